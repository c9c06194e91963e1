"""torch models, datasets from sparse labels, training, inference and activations. No Qt."""
