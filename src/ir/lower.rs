//! Lowering a checked journey to the IR.
