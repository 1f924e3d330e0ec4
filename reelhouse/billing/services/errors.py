"""What billing writes refuse, with a sentence a person can act on."""


class BillingError(Exception):
    """A billing request that cannot be honoured; the message says why and what to do, in the language active when
    it is raised (the request's), as the account page shows it to the subscriber."""


class VoucherError(BillingError):
    pass


class CouponError(BillingError):
    pass


class TrialError(BillingError):
    pass
