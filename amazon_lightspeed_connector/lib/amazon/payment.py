"""How an Amazon order was paid, read the same way from either Orders API version.

The two versions spell it differently:

- v2026-01-01 (with ``includedData`` PAYMENT): ``Order.payment.paymentExecutions[]``, each
  with a ``paymentMethod`` ("CashOnDelivery, ConvenienceStore, CreditCard, Invoice, Pix, and so
  on", says the model).
- v0: ``PaymentMethod`` is only ever COD, CVS or Other (Other: neither of the two), and
  ``PaymentMethodDetails`` lists the methods in the v2026 vocabulary ("Standard", "CreditCard",
  "GiftCertificate", "Invoice", "CashOnDelivery"...). ``PaymentExecutionDetail`` lists the
  sub-payments of a COD order with their own short codes (COD, GC, PointsAccount...).

``payment_method`` turns either payload into one value of ``PAYMENT_METHODS`` (the values the
payment mapping offers), so the same order gives the same value, the same mapping and the same
Lightspeed sale whichever API read it. An order paid several ways gets the method that collects
money outside Amazon (cash on delivery, convenience store: the store must know), else the first
one Amazon lists.
"""

# The payment methods Amazon documents (both models' enums and descriptions), in the v2026
# spelling, with the label the payment mapping shows.
PAYMENT_METHODS = (
    ("CashOnDelivery", "Cash on delivery (COD)"),
    ("ConvenienceStore", "Convenience store (CVS)"),
    ("CreditCard", "Credit card"),
    ("Standard", "Standard (paid on Amazon)"),
    ("GiftCertificate", "Gift card"),
    ("PointsAccount", "Amazon Points"),
    ("Invoice", "Invoice"),
    ("Pix", "Pix"),
    ("Other", "Other"),
)
# The other spellings of the same methods: v0's PaymentMethod and PaymentExecutionDetail codes
ALIASES = {
    "COD": "CashOnDelivery",
    "CVS": "ConvenienceStore",
    "GC": "GiftCertificate",
    "GiftCard": "GiftCertificate",
}
COLLECTED_OUTSIDE_AMAZON = ("CashOnDelivery", "ConvenienceStore")
MAX_METHOD_LENGTH = 64  # an unknown value is kept as Amazon wrote it, within reason

_CANONICAL = {key.lower(): key for key, _label in PAYMENT_METHODS} | {
    alias.lower(): key for alias, key in ALIASES.items()
}


def normalize_payment_method(value):
    """One of ``PAYMENT_METHODS``' keys for a spelling Amazon uses (any case), the value itself
    (printable, trimmed) when it is not one we know, None when it is no text."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or not text.isprintable():
        return None
    return _CANONICAL.get(text.lower(), text[:MAX_METHOD_LENGTH])


def payment_method(order):
    """The payment method of an Orders API ``Order`` (v0 or v2026-01-01), normalized; None
    when the payload does not say (v2026 read without includedData PAYMENT)."""
    if not isinstance(order, dict):
        return None
    if "AmazonOrderId" in order or "PaymentMethodDetails" in order or "PaymentMethod" in order:
        candidates = _v0_methods(order)
    else:
        candidates = _v2026_methods(order)
    methods = [m for m in map(normalize_payment_method, candidates) if m]
    for method in methods:
        if method in COLLECTED_OUTSIDE_AMAZON:
            return method
    return methods[0] if methods else None


def payment_label(method):
    """What the method is called for people (the Lightspeed sale's note)."""
    return dict(PAYMENT_METHODS).get(method, method)


def _v0_methods(order):
    main = order.get("PaymentMethod")
    details = _list(order.get("PaymentMethodDetails"))
    executions = [
        item.get("PaymentMethod")
        for item in _list(order.get("PaymentExecutionDetail"))
        if isinstance(item, dict)
    ]
    if main == "Other" and (details or executions):
        main = None  # "not COD or CVS": the details say which
    return [main, *details, *executions]


def _v2026_methods(order):
    payment = order.get("payment")
    if not isinstance(payment, dict):
        return []
    return [
        item.get("paymentMethod")
        for item in _list(payment.get("paymentExecutions"))
        if isinstance(item, dict)
    ]


def _list(value):
    return value if isinstance(value, list) else []
