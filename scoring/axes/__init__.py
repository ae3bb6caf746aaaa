"""The rubric's six axes, each a function of the loaded project returning an AxisResult."""
