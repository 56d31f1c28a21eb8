"""The storefront's routes, one module per part of a shopper's visit."""

from fastapi import APIRouter

from . import account, auth, devices, orders, prime, replenishment, shop, tracking

router = APIRouter()
for part in (shop, auth, orders, account, devices, replenishment, prime, tracking):
    router.include_router(part.router)
