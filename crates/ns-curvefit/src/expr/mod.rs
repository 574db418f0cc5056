//! Model expressions: the grammar's parser and the compiled tape with
//! forward- and reverse-mode derivatives.

mod parse;
mod tape;

pub use parse::{Ast, BinOp, Func, parse};
pub use tape::{Expression, TapeScratch};
