"""One module per concern (rules, claims, entitlements, payouts, notices)."""
