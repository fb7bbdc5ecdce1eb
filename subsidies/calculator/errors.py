"""The two ways a quote can fail: bad input from the caller, or a badly defined rule version."""


class QuoteInputError(ValueError):
    """The quote request is wrong: unknown rule, missing or malformed fact, negative money."""


class RuleDefinitionError(ValueError):
    """A rule version whose type, parameters, payees or window do not fit together."""
