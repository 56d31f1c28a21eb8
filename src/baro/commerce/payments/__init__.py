"""Payments through a gateway protocol; a sandbox gateway for demos and tests."""

from baro.commerce.payments.gateway import Authorization as Authorization
from baro.commerce.payments.gateway import Capture as Capture
from baro.commerce.payments.gateway import GatewayUnavailable as GatewayUnavailable
from baro.commerce.payments.gateway import PaymentDeclined as PaymentDeclined
from baro.commerce.payments.gateway import PaymentGateway as PaymentGateway
from baro.commerce.payments.gateway import Refund as Refund
from baro.commerce.payments.metered import MeteredGateway as MeteredGateway
from baro.commerce.payments.sandbox import DECLINES as DECLINES
from baro.commerce.payments.sandbox import SUCCEEDS as SUCCEEDS
from baro.commerce.payments.sandbox import TIMES_OUT as TIMES_OUT
from baro.commerce.payments.sandbox import LedgerEntry as LedgerEntry
from baro.commerce.payments.sandbox import SandboxGateway as SandboxGateway
from baro.commerce.payments.sandbox import SandboxLedger as SandboxLedger
from baro.commerce.payments.sandbox_cards import CardToken as CardToken
from baro.commerce.payments.sandbox_cards import InvalidCard as InvalidCard
from baro.commerce.payments.sandbox_cards import tokenize_sandbox_card as tokenize_sandbox_card

__all__ = [
    "DECLINES",
    "SUCCEEDS",
    "TIMES_OUT",
    "Authorization",
    "Capture",
    "CardToken",
    "GatewayUnavailable",
    "InvalidCard",
    "LedgerEntry",
    "MeteredGateway",
    "PaymentDeclined",
    "PaymentGateway",
    "Refund",
    "SandboxGateway",
    "SandboxLedger",
    "tokenize_sandbox_card",
]
