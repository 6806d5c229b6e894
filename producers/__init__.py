"""UMKM producers: producer businesses, their accounts, listings and settlements."""
