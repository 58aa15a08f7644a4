"""Media review with reviewer wellness: the review-once queue of media clusters, blurred
renditions at each reviewer's blur level, audited reveals of one original at a time, the daily
exposure budget with supervisors' overrides, and classification by industry label or facts
(recorded once per cluster through `tipline.classification`). See docs/review.md."""
