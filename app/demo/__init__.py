"""Demo data for three South Kalimantan cooperatives, loaded into an empty database."""
