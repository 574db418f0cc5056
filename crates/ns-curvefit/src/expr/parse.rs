//! Recursive-descent parser of the expression grammar.
//!
//! ```text
//! expr    := term (('+' | '-') term)*
//! term    := unary (('*' | '/') unary)*
//! unary   := ('-' | '+') unary | power
//! power   := primary (('^' | '**') unary)?      right-associative, as Python's **
//! primary := number | 'pi' | variable | parameter | func '(' expr (',' expr)* ')' | '(' expr ')'
//! ```
//! `-a^2` is `-(a^2)` and `2^-1` is `0.5`, exactly as in Python.

use crate::error::{CurveFitError, Result};

/// Unary functions of the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Func {
    Neg,
    Exp,
    Log,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Abs,
}

impl Func {
    /// The grammar's unary function of that name (`pow` is binary).
    pub fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "exp" => Func::Exp,
            "log" => Func::Log,
            "sqrt" => Func::Sqrt,
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            "tan" => Func::Tan,
            "atan" | "arctan" => Func::Atan,
            "sinh" => Func::Sinh,
            "cosh" => Func::Cosh,
            "tanh" => Func::Tanh,
            "abs" => Func::Abs,
            _ => return None,
        })
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// The syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A literal number (or `pi`).
    Num(f64),
    /// An identifier: variable or parameter, resolved later. `pos` for errors.
    Ident(String, usize),
    /// A unary function or negation.
    Unary(Func, Box<Ast>),
    /// A binary operation.
    Binary(BinOp, Box<Ast>, Box<Ast>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(char),
    Pow,
    LParen,
    RParen,
    Comma,
    End,
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
}

fn err(src: &str, pos: usize, message: impl Into<String>) -> CurveFitError {
    CurveFitError::Parse {
        expr: src.to_string(),
        pos,
        message: message.into(),
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i < b.len() && b[i] == b'.' {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                } else {
                    return Err(err(src, i, "malformed exponent in number"));
                }
            }
            let v: f64 = src[start..i]
                .parse()
                .map_err(|_| err(src, start, "malformed number"))?;
            out.push((Tok::Num(v), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(src[start..i].to_string()), start));
            continue;
        }
        let tok = match c {
            b'+' | b'-' | b'/' => Tok::Op(c as char),
            b'*' if i + 1 < b.len() && b[i + 1] == b'*' => {
                i += 1;
                Tok::Pow
            }
            b'*' => Tok::Op('*'),
            b'^' => Tok::Pow,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(err(src, i, format!("unexpected character '{ch}'")));
            }
        };
        i += 1;
        out.push((tok, start));
    }
    out.push((Tok::End, src.len()));
    Ok(out)
}

/// Parse an expression into its syntax tree.
pub fn parse(src: &str) -> Result<Ast> {
    let toks = lex(src)?;
    let mut p = Parser { src, toks, at: 0 };
    if p.peek() == &Tok::End {
        return Err(err(src, 0, "empty expression"));
    }
    let ast = p.expr()?;
    match p.peek() {
        Tok::End => Ok(ast),
        Tok::RParen => Err(err(src, p.pos(), "unbalanced ')'")),
        _ => Err(err(src, p.pos(), "expected an operator")),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].0
    }
    fn pos(&self) -> usize {
        self.toks[self.at].1
    }
    fn bump(&mut self) -> (Tok, usize) {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }
    fn expr(&mut self) -> Result<Ast> {
        let mut lhs = self.term()?;
        while let Tok::Op(c @ ('+' | '-')) = *self.peek() {
            self.bump();
            let rhs = self.term()?;
            let op = if c == '+' { BinOp::Add } else { BinOp::Sub };
            lhs = Ast::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }
    fn term(&mut self) -> Result<Ast> {
        let mut lhs = self.unary()?;
        while let Tok::Op(c @ ('*' | '/')) = *self.peek() {
            self.bump();
            let rhs = self.unary()?;
            let op = if c == '*' { BinOp::Mul } else { BinOp::Div };
            lhs = Ast::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }
    fn unary(&mut self) -> Result<Ast> {
        match *self.peek() {
            Tok::Op('-') => {
                self.bump();
                Ok(Ast::Unary(Func::Neg, Box::new(self.unary()?)))
            }
            Tok::Op('+') => {
                self.bump();
                self.unary()
            }
            _ => self.power(),
        }
    }
    fn power(&mut self) -> Result<Ast> {
        let base = self.primary()?;
        if *self.peek() == Tok::Pow {
            self.bump();
            let exp = self.unary()?;
            return Ok(Ast::Binary(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }
    fn primary(&mut self) -> Result<Ast> {
        let (tok, pos) = self.bump();
        match tok {
            Tok::Num(v) => Ok(Ast::Num(v)),
            Tok::LParen => {
                let e = self.expr()?;
                self.expect_rparen(pos)?;
                Ok(e)
            }
            Tok::Ident(name) => {
                if *self.peek() != Tok::LParen {
                    if name == "pi" {
                        return Ok(Ast::Num(std::f64::consts::PI));
                    }
                    if name == "pow" || Func::from_name(&name).is_some() {
                        return Err(err(
                            self.src,
                            self.pos(),
                            format!("expected '(' after function '{name}'"),
                        ));
                    }
                    return Ok(Ast::Ident(name, pos));
                }
                let open = self.pos();
                self.bump();
                let mut args = vec![self.expr()?];
                while *self.peek() == Tok::Comma {
                    self.bump();
                    args.push(self.expr()?);
                }
                self.expect_rparen(open)?;
                let want = if name == "pow" { 2 } else { 1 };
                if name != "pow" && Func::from_name(&name).is_none() {
                    return Err(CurveFitError::UnknownFunction {
                        expr: self.src.to_string(),
                        pos,
                        name,
                    });
                }
                if args.len() != want {
                    return Err(err(
                        self.src,
                        pos,
                        format!(
                            "function '{name}' takes {want} argument(s), got {}",
                            args.len()
                        ),
                    ));
                }
                let mut it = args.into_iter();
                let a = it.next().expect("one argument");
                if name == "pow" {
                    let b = it.next().expect("two arguments");
                    Ok(Ast::Binary(BinOp::Pow, Box::new(a), Box::new(b)))
                } else {
                    Ok(Ast::Unary(
                        Func::from_name(&name).expect("checked"),
                        Box::new(a),
                    ))
                }
            }
            Tok::End => Err(err(self.src, pos, "unexpected end of expression")),
            Tok::RParen => Err(err(self.src, pos, "unexpected ')'")),
            Tok::Comma => Err(err(self.src, pos, "unexpected ','")),
            Tok::Op(c) => Err(err(self.src, pos, format!("unexpected operator '{c}'"))),
            Tok::Pow => Err(err(self.src, pos, "unexpected power operator")),
        }
    }
    fn expect_rparen(&mut self, open: usize) -> Result<()> {
        match self.peek() {
            Tok::RParen => {
                self.bump();
                Ok(())
            }
            Tok::End => Err(err(self.src, open, "unclosed '('")),
            _ => Err(err(self.src, self.pos(), "expected ')' or an operator")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f64) -> Box<Ast> {
        Box::new(Ast::Num(v))
    }

    #[test]
    fn unary_minus_binds_looser_than_power() {
        let a = parse("-2^2").unwrap();
        assert_eq!(
            a,
            Ast::Unary(
                Func::Neg,
                Box::new(Ast::Binary(BinOp::Pow, num(2.0), num(2.0)))
            )
        );
    }

    #[test]
    fn power_is_right_associative_and_takes_signed_exponent() {
        let a = parse("2**3^2").unwrap();
        let inner = Ast::Binary(BinOp::Pow, num(3.0), num(2.0));
        assert_eq!(a, Ast::Binary(BinOp::Pow, num(2.0), Box::new(inner)));
        let b = parse("2^-1").unwrap();
        assert_eq!(
            b,
            Ast::Binary(
                BinOp::Pow,
                num(2.0),
                Box::new(Ast::Unary(Func::Neg, num(1.0)))
            )
        );
    }

    #[test]
    fn numbers_with_exponents() {
        assert_eq!(parse("1e-3").unwrap(), Ast::Num(1e-3));
        assert_eq!(parse(".5E+2").unwrap(), Ast::Num(50.0));
        assert_eq!(parse("2.").unwrap(), Ast::Num(2.0));
    }

    #[test]
    fn errors_carry_position() {
        match parse("b1*(1-exp(-b2*x)").unwrap_err() {
            CurveFitError::Parse { pos, .. } => assert_eq!(pos, 3),
            e => panic!("{e}"),
        }
        match parse("a + * b").unwrap_err() {
            CurveFitError::Parse { pos, .. } => assert_eq!(pos, 4),
            e => panic!("{e}"),
        }
        match parse("a*foo(x)").unwrap_err() {
            CurveFitError::UnknownFunction { pos, name, .. } => {
                assert_eq!((pos, name.as_str()), (2, "foo"))
            }
            e => panic!("{e}"),
        }
        let msg = parse("a $ b").unwrap_err().to_string();
        assert!(msg.contains("a $ b\n    ^"), "{msg}");
    }
}
