"""Products: shop products and prices become Exact items, kept current (README "Products")."""
