"""Rich domain model variant (Fowler's Domain Model with a thin service layer): not built yet."""
