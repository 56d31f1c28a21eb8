"""Commerce: catalogue, customers, payments, orders."""
