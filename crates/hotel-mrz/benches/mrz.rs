//! Parse speed of the MRZ text layer (placeholder, filled in later).

fn main() {}
