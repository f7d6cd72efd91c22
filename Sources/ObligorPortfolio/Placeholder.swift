// Replaced by the portfolio loss engine.
