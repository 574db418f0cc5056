//! slow reference (todo)
