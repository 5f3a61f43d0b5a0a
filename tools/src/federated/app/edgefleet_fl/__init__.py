"""edgefleet's federated learning app on Flower: the ServerApp, the ClientApp and what they share."""
