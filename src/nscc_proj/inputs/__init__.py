"""What the user gives, validated: the indicator table, scenarios, observed values."""
