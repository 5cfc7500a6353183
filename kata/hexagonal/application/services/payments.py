"""The ``Payments`` inbound port: one door for payment results, from HTTP or from AMQP."""

from __future__ import annotations

from kata.hexagonal.application.ports.inbound import OrderView, RecordPaymentResult
from kata.hexagonal.application.ports.outbound import UnitOfWork, UnitOfWorkFactory
from kata.hexagonal.application.services.ordering import order_named, products_of
from kata.hexagonal.application.services.unit import in_unit_of_work
from kata.hexagonal.application.services.views import order_view
from kata.hexagonal.domain import ordering
from kata.hexagonal.domain.money import Money


class PaymentsService:
    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units

    def record_result(self, command: RecordPaymentResult) -> OrderView:
        def work(uow: UnitOfWork) -> OrderView:
            order = order_named(uow, command.order_id)
            if command.outcome == "succeeded":
                order.pay(command.payment_id, Money(command.amount))
            else:
                ordering.fail_payment(order, command.payment_id, products_of(uow, order))
            uow.commit()
            return order_view(order)

        return in_unit_of_work(self._units, work)
