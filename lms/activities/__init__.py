"""Managing the offer: create and change activities, their sessions and trainers."""
