"""Qt table models. They never import services: fetching is a callback given to them."""
