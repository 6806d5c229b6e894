"""Read-only figures for people: dashboard, exports, members' books, province overview."""
