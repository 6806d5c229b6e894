"""Fulfilment for cooperative staff: the order board, picking, delivery runs and the courier cash hand-in."""
