"""Getting a cooperative from registration to a selling shop: registration, readiness, the helpers' overviews."""
