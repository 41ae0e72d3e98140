"""Italian date formats as Italian writes them: "1 gennaio 2018", not Django's
"01 gennaio 2018" (its ``d`` pads the day with a zero)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
