"""Orders: cart, checkout, order state machine and payments."""
