"""The models' FileFields (and their migrations) name `institutes.storage.private_storage`: the
private storage of portal.storage, local or on the object store as the settings say."""
from portal.storage import private_storage

__all__ = ["private_storage"]
