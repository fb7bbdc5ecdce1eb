from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError as StdnumError


def normalize_uscc(value: str) -> str:
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """A 统一社会信用代码 is 18 characters whose last one is a check character (GB 32100-2015)."""
    try:
        uscc.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("The unified social credit code %(code)s has a wrong check character; please check it."),
            code="uscc_checksum",
            params={"code": value},
        )
    except StdnumError:
        raise ValidationError(
            _("%(code)s is not a unified social credit code (18 characters: digits and capital letters)."),
            code="uscc_format",
            params={"code": value},
        )
