"""Customers, their addresses, saved payment methods and API keys; web accounts (passwords,
sessions) for shoppers and operators."""

from baro.commerce.customers.accounts import Accounts as Accounts
from baro.commerce.customers.accounts import ApiKeyInfo as ApiKeyInfo
from baro.commerce.customers.accounts import WebSession as WebSession
from baro.commerce.customers.directory import CustomerDirectory as CustomerDirectory
from baro.commerce.customers.directory import CustomerListing as CustomerListing
from baro.commerce.customers.domain import Address as Address
from baro.commerce.customers.domain import ApiKeyNotFound as ApiKeyNotFound
from baro.commerce.customers.domain import Customer as Customer
from baro.commerce.customers.domain import CustomerNotFound as CustomerNotFound
from baro.commerce.customers.domain import EmailTaken as EmailTaken
from baro.commerce.customers.domain import Forbidden as Forbidden
from baro.commerce.customers.domain import InvalidCustomer as InvalidCustomer
from baro.commerce.customers.domain import NoDefaultAddress as NoDefaultAddress
from baro.commerce.customers.domain import NoDefaultPaymentMethod as NoDefaultPaymentMethod
from baro.commerce.customers.domain import NotAuthenticated as NotAuthenticated
from baro.commerce.customers.domain import PaymentMethod as PaymentMethod
from baro.commerce.customers.domain import Principal as Principal
from baro.commerce.customers.domain import Role as Role
from baro.commerce.customers.notifications import Notification as Notification
from baro.commerce.customers.notifications import Notifications as Notifications
from baro.commerce.customers.notifications import notify as notify
from baro.commerce.customers.passwords import Passwords as Passwords
from baro.commerce.customers.repository import customer_id_by_email as customer_id_by_email
from baro.commerce.customers.repository import payment_token as payment_token
from baro.commerce.customers.repository import principal_from_row as principal_from_row
from baro.commerce.customers.repository import principal_query as principal_query
from baro.commerce.customers.repository import set_prime as set_prime
from baro.commerce.customers.service import CardTokenizer as CardTokenizer
from baro.commerce.customers.service import Customers as Customers
from baro.commerce.customers.service import NewCustomer as NewCustomer
from baro.commerce.customers.service import Registration as Registration

__all__ = [
    "Accounts",
    "Address",
    "ApiKeyInfo",
    "ApiKeyNotFound",
    "CardTokenizer",
    "Customer",
    "CustomerDirectory",
    "CustomerListing",
    "CustomerNotFound",
    "Customers",
    "EmailTaken",
    "Forbidden",
    "InvalidCustomer",
    "NewCustomer",
    "NoDefaultAddress",
    "NoDefaultPaymentMethod",
    "NotAuthenticated",
    "Notification",
    "Notifications",
    "Passwords",
    "PaymentMethod",
    "Principal",
    "Registration",
    "Role",
    "WebSession",
    "customer_id_by_email",
    "notify",
    "payment_token",
    "principal_from_row",
    "principal_query",
    "set_prime",
]
