"""Writing a Sale into Lightspeed exactly once, completing it once, and finding its customer.

Lightspeed has no idempotency key, so the Sale's referenceNumber (AmazonOrderId + part) is the
key: a sale that already carries it is adopted, never created again. ``send_sale`` looks it up
before the first POST (an earlier run may have crashed between the POST and storing the id)
and again before any retry of a POST whose answer was lost. A caller that stores the returned
sale id and calls again after any failure gets exactly one sale.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..errors import PayloadError, PermanentError, TransientError
from . import wire
from .sale_payload import customer_payload

_logger = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 3


@dataclass(frozen=True)
class SendResult:
    sale_id: int
    created: bool  # True: this call's POST made it; False: an existing sale was adopted
    looked_up: bool  # True: the id came from a referenceNumber search
    # why the sale was looked up after a POST: its answer was lost or unreadable ("" if not)
    answer_lost: str = field(default="", compare=False)
    # when the sale lowered its shop's stock (``wire.completion_time``), None while it is open
    completed_at: object = field(default=None, compare=False)


@dataclass(frozen=True)
class Completion:
    """What ``complete_sale`` did: ``by_this_call`` False when the sale was completed before
    (an earlier PUT whose answer was lost, or the store); ``completed_at`` as in SendResult."""

    by_this_call: bool
    completed_at: object = None


def send_sale(client, payload, attempts=DEFAULT_ATTEMPTS, look_up_first=True):
    """Create the Sale of ``payload`` unless one with its referenceNumber exists; its id.

    - ThrottledError, AuthError and PermanentError (Lightspeed's message included) propagate:
      nothing was written (a refused write is all or nothing).
    - A POST whose answer was lost (TransientError.outcome_unknown, or a 2xx PayloadError) is
      followed by a search by referenceNumber; the sale is adopted if it is there, else the POST
      is retried, up to ``attempts`` POSTs in all; then the last error propagates.
    - ``look_up_first=False`` skips the first search: only for a caller that knows no earlier
      attempt for this reference can have reached Lightspeed. A list of Sales (what
      ``SalesByReference`` found for this reference, maybe none) replaces the first search by
      that earlier batch look-up.
    """
    reference = payload["referenceNumber"]
    shop_id = int(payload["shopID"])
    if look_up_first is not False:
        if look_up_first is True:
            found = find_sale(client, reference, shop_id)
        else:  # the sales a batch look-up found with this reference (``SalesByReference``)
            found = pick_sale(look_up_first, reference, shop_id)
        if found is not None:
            _logger.info("Lightspeed sale %s already holds %s: adopted", found.sale_id, reference)
            return _result(found, created=False)
    for attempt in range(1, attempts + 1):
        try:
            return _result(_post_sale(client, payload), created=True)
        except (TransientError, PayloadError) as exc:
            if attempt == attempts:
                raise
            if _outcome_unknown(exc):
                found = find_sale(client, reference, shop_id)
                if found is not None:
                    _logger.info(
                        "Sale %s for %s was written; answer lost", found.sale_id, reference
                    )
                    return _result(found, created=False, answer_lost=str(exc))
                if isinstance(exc, PayloadError):
                    # written, or answered by something else, yet not found: never risk a
                    # second sale; a person looks in Lightspeed, then retries
                    raise PayloadError(
                        "%s; yet no Lightspeed sale holds reference %s: check Lightspeed, "
                        "then Retry" % (exc.message, reference),
                        status=exc.status,
                        code=exc.code,
                        payload=exc.payload,
                    ) from None
            _logger.info("Retrying the Sale POST for %s (%s)", reference, exc)
    raise AssertionError("unreachable")  # pragma: no cover


def _result(sale, created, answer_lost=""):
    return SendResult(
        sale.sale_id,
        created=created,
        looked_up=not created,
        answer_lost=answer_lost,
        completed_at=sale.completed_at,
    )


def _post_sale(client, payload):
    """The Sale the POST created, as its answer says (``wire.Sale``)."""
    record = client.post("Sale", payload)
    if not wire.to_record_id(record.get("saleID")):
        raise PayloadError(
            "Lightspeed's answer to the Sale POST has no saleID (%s)"
            % wire.describe(record.get("saleID"))
        )
    return wire.sale_from_wire(record)


def _outcome_unknown(exc):
    # A 2xx we could not read means the write happened; a lost answer means it may have.
    return isinstance(exc, PayloadError) or getattr(exc, "outcome_unknown", False)


def find_sale(client, reference, shop_id):
    """The live sale (``wire.Sale``) with this referenceNumber at this shop, or None.

    A live one at another shop, or only voided / archived ones, means a person or another run
    already decided about this order in Lightspeed: a PermanentError, never a second sale.
    """
    return pick_sale(client.find_sales_by_reference(reference), reference, shop_id)


def pick_sale(sales, reference, shop_id):
    """``find_sale``'s decision on sales already read: a Sale, None, or a PermanentError."""
    live = sorted((s for s in sales if not (s.voided or s.archived)), key=lambda s: s.sale_id or 0)
    here = [s for s in live if s.shop_id == shop_id]
    if here:
        if len(here) > 1:
            _logger.warning("Several Lightspeed sales hold %s; adopting the oldest", reference)
        return here[0]
    if live:
        raise PermanentError(
            "Lightspeed sale %s at shop %s already holds reference %s; this part is for shop "
            "%s: void one of them in Lightspeed first"
            % (live[0].sale_id, live[0].shop_id, reference, shop_id)
        )
    if sales:
        raise PermanentError(
            "Lightspeed sale %s with reference %s was voided or deleted in the store; not "
            "sending it again" % (sales[0].sale_id, reference)
        )
    return None


class SalesByReference:
    """The sales already holding the references of a run, read in one batch before its POSTs.

    Valid for the run that read it, as long as each reference is sent by one worker at a time
    (the caller locks its record) and the run sends each reference at most once.
    """

    def __init__(self, client, references):
        self._sales = {}
        for sale in client.find_sales_by_references(references):
            self._sales.setdefault(sale.reference_number, []).append(sale)

    def get(self, reference):
        return list(self._sales.get(reference, ()))


# --- completing on shipment -----------------------------------------------------------------


def completion_payload(ship_note=None, shipped=True):
    """The PUT that completes an open sale (stock drops now) and marks its ShipTo shipped
    (``shipped``: False when the parcel has not left, so the store still sees it to ship)."""
    payload = {"completed": True}
    if shipped:
        payload["ShipTo"] = {"shipped": True}
    if ship_note:
        payload.setdefault("ShipTo", {})
        payload["ShipTo"]["shipNote"] = ship_note
        payload["SaleNotes"] = {"InternalNote": {"note": ship_note}}
    return payload


def ship_note_payload(ship_note):
    """The PUT that gives a sale already completed its shipment note (the tracking number came
    after the completion) and marks its ShipTo shipped."""
    return {
        "ShipTo": {"shipped": True, "shipNote": ship_note},
        "SaleNotes": {"InternalNote": {"note": ship_note}},
    }


def complete_sale(client, sale_id, ship_note=None, attempts=DEFAULT_ATTEMPTS, shipped=True):
    """Complete an open sale ("deduct inventory when shipped"); a Completion.

    Idempotent: the sale is read first and a completed one is left alone, so calling again
    after a crash or a lost answer never completes (or moves stock) twice. A voided sale is a
    PermanentError.
    """
    put_answer_lost = False
    for attempt in range(1, attempts + 1):
        sale = read_sale(client, sale_id)
        if sale.voided:
            raise PermanentError("Lightspeed sale %s was voided; it cannot ship" % sale_id)
        if sale.completed:  # our earlier PUT landed, or someone completed it before
            return Completion(put_answer_lost, sale.completed_at)
        try:
            answer = client.put("Sale", sale_id, completion_payload(ship_note, shipped))
            return Completion(True, wire.completion_time(answer))
        except (TransientError, PayloadError) as exc:
            if attempt == attempts:
                raise
            put_answer_lost = _outcome_unknown(exc)
            _logger.info(
                "Completing Lightspeed sale %s failed (%s); reading it again", sale_id, exc
            )
    raise AssertionError("unreachable")  # pragma: no cover


def read_sale(client, sale_id):
    body = client.get("Sale/%s" % sale_id)
    record = body.get("Sale")
    if not isinstance(record, dict):
        raise PayloadError("Lightspeed's answer has no Sale %s" % sale_id)
    return wire.sale_from_wire(record)


# --- customers -------------------------------------------------------------------------------


class CustomerCache:
    """Buyer e-mail -> Lightspeed customer id for one run, so each e-mail is searched once.

    Filled before the run's first Sale (``prefill``): the ids the database kept for returning
    buyers (``keep``, not checked yet: a Sale that names a customer Lightspeed lost is refused,
    see ``is_lost_customer``) and one batch search for the others. ``listener(email, id)`` is
    told of every id found or created during the run, so the caller can keep it.
    """

    def __init__(self, listener=None):
        self._ids = {}
        self._kept = set()  # e-mails whose id came from the database, not from Lightspeed
        self._absent = set()  # e-mails a search found no customer for: the next step is a POST
        self.listener = listener

    @staticmethod
    def key(email):
        return email.strip().casefold()

    def get(self, email):
        return self._ids.get(self.key(email))

    def put(self, email, customer_id):
        key = self.key(email)
        self._ids[key] = customer_id
        self._kept.discard(key)
        self._absent.discard(key)
        if self.listener is not None:
            self.listener(email, customer_id)

    def keep(self, email, customer_id):
        """An id the database kept for this e-mail (a returning buyer): used without a search."""
        key = self.key(email)
        self._ids[key] = customer_id
        self._kept.add(key)

    def is_kept(self, email):
        return self.key(email) in self._kept

    def forget(self, email):
        """Lightspeed lost this customer: the next use searches (and creates) it again."""
        key = self.key(email)
        self._ids.pop(key, None)
        self._kept.discard(key)
        self._absent.discard(key)

    def known_absent(self, email):
        return self.key(email) in self._absent

    def prefill(self, client, emails):
        """One batch search for the e-mails not known yet; the number of e-mails searched.

        Found ones are cached, the others noted as absent (their buyers are created without a
        second search). When Lightspeed does not take the batch query, nothing is noted and
        each buyer is searched on its own, as before.
        """
        wanted = {self.key(e): e for e in emails if e and e.strip()}
        unknown = [e for key, e in wanted.items() if key not in self._ids]
        if not unknown:
            return 0
        found = client.find_customers_by_emails(unknown)
        if found is None:
            return 0
        for email in unknown:
            customer = found.get(self.key(email))
            if customer is not None and customer.customer_id:
                self.put(email, customer.customer_id)
            else:
                self._absent.add(self.key(email))
        return len(unknown)

    def __len__(self):
        return len(self._ids)


def customer_id_for(client, order, cache):
    """The buyer's Lightspeed customer id: cached, else found by e-mail, else created.

    0 when the order has no buyer e-mail (the sale is then made without a customer). A buyer
    the run's batch search did not find is created without searching again.
    """
    payload = customer_payload(order)
    if payload is None:
        return 0
    email = order.buyer.email
    customer_id = cache.get(email)
    if customer_id is None:
        found = None if cache.known_absent(email) else client.find_customer_by_email(email)
        customer_id = found.customer_id if found else _create_customer(client, email, payload)
        cache.put(email, customer_id)
    return customer_id


def is_lost_customer(error, customer_id):
    """Whether Lightspeed refused a Sale because its customer no longer exists (deleted or
    merged in the store since we kept its id). Lightspeed's message for an unknown id in a
    write names the type and the id (as for items and employees)."""
    if not customer_id or not isinstance(error, PermanentError):
        return False
    pattern = r"Customer'? not found\D*\b%d\b" % int(customer_id)
    return re.search(pattern, str(error)) is not None


def _create_customer(client, email, payload):
    try:
        record = client.post("Customer", payload)
    except (TransientError, PayloadError) as exc:
        if not _outcome_unknown(exc):
            raise
        found = client.find_customer_by_email(email)  # the write may have happened
        if found is None:
            raise
        return found.customer_id
    customer_id = wire.to_record_id(record.get("customerID"))
    if not customer_id:
        raise PayloadError("Lightspeed's answer to the Customer POST has no customerID")
    return customer_id
