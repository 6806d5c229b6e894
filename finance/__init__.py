"""The cooperative's money: chart of accounts, journal entries posted by every money event, savings, expenses,
statements and SHU."""
