"""Catalog: categories, products, prices within ceilings, stock and the stock ledger, the shop pages."""
