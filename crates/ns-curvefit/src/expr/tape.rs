//! The compiled tape: the syntax tree flattened into SSA nodes (operands
//! always precede their users), constants folded. One immutable tape is
//! shared by all threads; each thread owns a [`TapeScratch`].
//!
//! Derivatives: forward mode carries a dense p-vector per node (dual numbers
//! with p infinitesimal parts), skipped for nodes that depend on no
//! parameter; reverse mode sweeps adjoints back once per data point.

use super::parse::{Ast, BinOp, Func, parse};
use crate::error::{CurveFitError, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Node {
    Const(f64),
    Var(usize),
    Param(usize),
    Unary(Func, usize),
    Binary(BinOp, usize, usize),
    /// `a ^ c` with a compile-time constant exponent.
    PowConst(usize, f64),
}

/// A parsed, compiled model expression `y = f(x; params)`.
#[derive(Debug, Clone)]
pub struct Expression {
    src: String,
    params: Vec<String>,
    n_vars: usize,
    nodes: Vec<Node>,
    /// Whether each node depends on any parameter.
    dep: Vec<bool>,
}

/// Per-thread scratch buffers of tape evaluation (no allocation per point).
#[derive(Debug, Clone, Default)]
pub struct TapeScratch {
    vals: Vec<f64>,
    ders: Vec<f64>,
    adj: Vec<f64>,
}

/// How identifiers of the expression map to variables.
#[derive(Clone, Copy, PartialEq)]
enum VarStyle {
    None,
    Plain,
    Indexed,
}

/// `x<digits>` with a value >= 1 is an indexed variable.
fn var_index(name: &str) -> Option<usize> {
    let rest = name.strip_prefix('x')?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) || rest.starts_with('0') {
        return None;
    }
    rest.parse().ok()
}

fn is_reserved(name: &str) -> bool {
    name == "x"
        || name == "pi"
        || name == "pow"
        || var_index(name).is_some()
        || Func::from_name(name).is_some()
}

struct Compiler<'a> {
    src: &'a str,
    given: Option<&'a [String]>,
    params: Vec<String>,
    style: VarStyle,
    n_vars: usize,
    nodes: Vec<Node>,
}

impl Compiler<'_> {
    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn konst(&self, i: usize) -> Option<f64> {
        match self.nodes[i] {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }

    fn ident(&mut self, name: &str, pos: usize) -> Result<usize> {
        let var = if name == "x" {
            Some((VarStyle::Plain, 1))
        } else {
            var_index(name).map(|k| (VarStyle::Indexed, k))
        };
        if let Some((style, k)) = var {
            if self.style != VarStyle::None && self.style != style {
                return Err(CurveFitError::Parse {
                    expr: self.src.to_string(),
                    pos,
                    message: "cannot mix 'x' with 'x1..xk' in one expression".into(),
                });
            }
            self.style = style;
            self.n_vars = self.n_vars.max(k);
            return Ok(self.push(Node::Var(k - 1)));
        }
        let idx = match self.params.iter().position(|p| p == name) {
            Some(i) => i,
            None if self.given.is_some() => {
                return Err(CurveFitError::UnknownParameter {
                    name: name.to_string(),
                    params: self.params.clone(),
                });
            }
            None => {
                self.params.push(name.to_string());
                self.params.len() - 1
            }
        };
        Ok(self.push(Node::Param(idx)))
    }

    fn compile(&mut self, ast: &Ast) -> Result<usize> {
        Ok(match ast {
            Ast::Num(v) => self.push(Node::Const(*v)),
            Ast::Ident(name, pos) => self.ident(name, *pos)?,
            Ast::Unary(f, a) => {
                let a = self.compile(a)?;
                match self.konst(a) {
                    Some(v) => {
                        self.nodes.pop();
                        self.push(Node::Const(unary_value(*f, v)))
                    }
                    None => self.push(Node::Unary(*f, a)),
                }
            }
            Ast::Binary(op, a, b) => {
                let a = self.compile(a)?;
                let b = self.compile(b)?;
                match (self.konst(a), self.konst(b)) {
                    (Some(x), Some(y)) => {
                        self.nodes.truncate(a);
                        self.push(Node::Const(binary_value(*op, x, y)))
                    }
                    (_, Some(c)) if *op == BinOp::Pow => {
                        self.nodes.pop();
                        self.push(Node::PowConst(a, c))
                    }
                    _ => self.push(Node::Binary(*op, a, b)),
                }
            }
        })
    }
}

fn unary_value(f: Func, a: f64) -> f64 {
    match f {
        Func::Neg => -a,
        Func::Exp => a.exp(),
        Func::Log => a.ln(),
        Func::Sqrt => a.sqrt(),
        Func::Sin => a.sin(),
        Func::Cos => a.cos(),
        Func::Tan => a.tan(),
        Func::Atan => a.atan(),
        Func::Sinh => a.sinh(),
        Func::Cosh => a.cosh(),
        Func::Tanh => a.tanh(),
        Func::Abs => a.abs(),
    }
}

/// d f(a) / da given a and v = f(a).
fn unary_deriv(f: Func, a: f64, v: f64) -> f64 {
    match f {
        Func::Neg => -1.0,
        Func::Exp => v,
        Func::Log => 1.0 / a,
        Func::Sqrt => 0.5 / v,
        Func::Sin => a.cos(),
        Func::Cos => -a.sin(),
        Func::Tan => 1.0 + v * v,
        Func::Atan => 1.0 / (1.0 + a * a),
        Func::Sinh => a.cosh(),
        Func::Cosh => a.sinh(),
        Func::Tanh => 1.0 - v * v,
        Func::Abs => {
            if a > 0.0 {
                1.0
            } else if a < 0.0 {
                -1.0
            } else {
                0.0
            }
        }
    }
}

/// `a^c`, exact (repeated multiplication) for small integer exponents so
/// that negative bases work as in Python.
fn pow_const(a: f64, c: f64) -> f64 {
    if c == c.trunc() && c.abs() <= 64.0 {
        a.powi(c as i32)
    } else {
        a.powf(c)
    }
}

fn binary_value(op: BinOp, a: f64, b: f64) -> f64 {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => pow_const(a, b),
    }
}

/// Partial derivatives (d/da, d/db) of `a op b`, given v = a op b.
/// For powers, the d/db term is only formed when `b` carries derivatives
/// (`need_db`): `ln a` of a non-positive base is then not evaluated.
fn binary_deriv(op: BinOp, a: f64, b: f64, v: f64, need_db: bool) -> (f64, f64) {
    match op {
        BinOp::Add => (1.0, 1.0),
        BinOp::Sub => (1.0, -1.0),
        BinOp::Mul => (b, a),
        BinOp::Div => (1.0 / b, -v / b),
        BinOp::Pow => {
            let da = if b == 0.0 {
                0.0
            } else {
                b * pow_const(a, b - 1.0)
            };
            let db = if need_db && v != 0.0 { v * a.ln() } else { 0.0 };
            (da, db)
        }
    }
}

impl Expression {
    /// Parse and compile `src`. Parameters are the identifiers that are not
    /// variables (`x`, or `x1..xk`), functions or `pi`, in order of first
    /// appearance, unless `params` names them (in that order).
    pub fn new(src: &str, params: Option<&[String]>) -> Result<Expression> {
        if let Some(given) = params {
            for (i, p) in given.iter().enumerate() {
                if is_reserved(p) {
                    return Err(CurveFitError::InvalidParameterName {
                        name: p.clone(),
                        reason: "it is a variable, function or constant name".into(),
                    });
                }
                let ok = p
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !ok {
                    return Err(CurveFitError::InvalidParameterName {
                        name: p.clone(),
                        reason: "not an identifier".into(),
                    });
                }
                if given[..i].contains(p) {
                    return Err(CurveFitError::InvalidParameterName {
                        name: p.clone(),
                        reason: "listed twice".into(),
                    });
                }
            }
        }
        let ast = parse(src)?;
        let mut c = Compiler {
            src,
            given: params,
            params: params.map(|p| p.to_vec()).unwrap_or_default(),
            style: VarStyle::None,
            n_vars: 0,
            nodes: Vec::new(),
        };
        c.compile(&ast)?;
        let nodes = c.nodes;
        let mut dep = vec![false; nodes.len()];
        for (k, node) in nodes.iter().enumerate() {
            dep[k] = match *node {
                Node::Const(_) | Node::Var(_) => false,
                Node::Param(_) => true,
                Node::Unary(_, a) | Node::PowConst(a, _) => dep[a],
                Node::Binary(_, a, b) => dep[a] || dep[b],
            };
        }
        Ok(Expression {
            src: src.to_string(),
            params: c.params,
            n_vars: c.n_vars.max(1),
            nodes,
            dep,
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Parameter names in order.
    pub fn param_names(&self) -> &[String] {
        &self.params
    }

    /// Number of parameters.
    pub fn n_params(&self) -> usize {
        self.params.len()
    }

    /// Number of input variables k (1 for `x` or no variable).
    pub fn n_vars(&self) -> usize {
        self.n_vars
    }

    /// Number of tape nodes (after constant folding).
    pub fn tape_len(&self) -> usize {
        self.nodes.len()
    }

    fn forward_values(&self, x: &[f64], p: &[f64], vals: &mut [f64]) {
        for (k, node) in self.nodes.iter().enumerate() {
            vals[k] = match *node {
                Node::Const(v) => v,
                Node::Var(i) => x[i],
                Node::Param(i) => p[i],
                Node::Unary(f, a) => unary_value(f, vals[a]),
                Node::Binary(op, a, b) => binary_value(op, vals[a], vals[b]),
                Node::PowConst(a, c) => pow_const(vals[a], c),
            };
        }
    }

    /// The model value at one point `x` (k values).
    pub fn eval(&self, x: &[f64], p: &[f64], s: &mut TapeScratch) -> f64 {
        s.vals.resize(self.nodes.len(), 0.0);
        self.forward_values(x, p, &mut s.vals);
        s.vals[self.nodes.len() - 1]
    }

    /// Value and gradient w.r.t. the parameters at one point, forward mode.
    pub fn eval_forward(&self, x: &[f64], p: &[f64], grad: &mut [f64], s: &mut TapeScratch) -> f64 {
        let np = self.params.len();
        let nn = self.nodes.len();
        s.vals.resize(nn, 0.0);
        s.ders.resize(nn * np, 0.0);
        let (vals, ders) = (&mut s.vals, &mut s.ders);
        for (k, node) in self.nodes.iter().enumerate() {
            let (done, rest) = ders.split_at_mut(k * np);
            let dk = &mut rest[..np];
            let v = match *node {
                Node::Const(v) => v,
                Node::Var(i) => x[i],
                Node::Param(i) => {
                    dk.fill(0.0);
                    dk[i] = 1.0;
                    p[i]
                }
                Node::Unary(f, a) => {
                    let v = unary_value(f, vals[a]);
                    if self.dep[k] {
                        let d = unary_deriv(f, vals[a], v);
                        for (o, da) in dk.iter_mut().zip(&done[a * np..(a + 1) * np]) {
                            *o = d * da;
                        }
                    }
                    v
                }
                Node::PowConst(a, c) => {
                    let v = pow_const(vals[a], c);
                    if self.dep[k] {
                        let d = if c == 0.0 {
                            0.0
                        } else {
                            c * pow_const(vals[a], c - 1.0)
                        };
                        for (o, da) in dk.iter_mut().zip(&done[a * np..(a + 1) * np]) {
                            *o = d * da;
                        }
                    }
                    v
                }
                Node::Binary(op, a, b) => {
                    let v = binary_value(op, vals[a], vals[b]);
                    if self.dep[k] {
                        let (pa, pb) = binary_deriv(op, vals[a], vals[b], v, self.dep[b]);
                        match (self.dep[a], self.dep[b]) {
                            (true, true) => {
                                let (ra, rb) =
                                    (&done[a * np..(a + 1) * np], &done[b * np..(b + 1) * np]);
                                for j in 0..np {
                                    dk[j] = pa * ra[j] + pb * rb[j];
                                }
                            }
                            (true, false) => {
                                for (o, da) in dk.iter_mut().zip(&done[a * np..(a + 1) * np]) {
                                    *o = pa * da;
                                }
                            }
                            _ => {
                                for (o, db) in dk.iter_mut().zip(&done[b * np..(b + 1) * np]) {
                                    *o = pb * db;
                                }
                            }
                        }
                    }
                    v
                }
            };
            vals[k] = v;
        }
        let last = nn - 1;
        if self.dep[last] {
            grad.copy_from_slice(&ders[last * np..(last + 1) * np]);
        } else {
            grad.fill(0.0);
        }
        vals[last]
    }

    /// Value and gradient w.r.t. the parameters at one point, reverse mode.
    pub fn eval_reverse(&self, x: &[f64], p: &[f64], grad: &mut [f64], s: &mut TapeScratch) -> f64 {
        let nn = self.nodes.len();
        s.vals.resize(nn, 0.0);
        s.adj.resize(nn, 0.0);
        self.forward_values(x, p, &mut s.vals);
        let (vals, adj) = (&s.vals, &mut s.adj);
        adj.fill(0.0);
        adj[nn - 1] = 1.0;
        grad.fill(0.0);
        for k in (0..nn).rev() {
            let w = adj[k];
            if w == 0.0 || !self.dep[k] {
                continue;
            }
            match self.nodes[k] {
                Node::Const(_) | Node::Var(_) => {}
                Node::Param(i) => grad[i] += w,
                Node::Unary(f, a) => adj[a] += w * unary_deriv(f, vals[a], vals[k]),
                Node::PowConst(a, c) => {
                    let d = if c == 0.0 {
                        0.0
                    } else {
                        c * pow_const(vals[a], c - 1.0)
                    };
                    adj[a] += w * d;
                }
                Node::Binary(op, a, b) => {
                    let (pa, pb) = binary_deriv(op, vals[a], vals[b], vals[k], self.dep[b]);
                    if self.dep[a] {
                        adj[a] += w * pa;
                    }
                    if self.dep[b] {
                        adj[b] += w * pb;
                    }
                }
            }
        }
        vals[nn - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(src: &str, x: f64, p: &[f64]) -> f64 {
        Expression::new(src, None)
            .unwrap()
            .eval(&[x], p, &mut TapeScratch::default())
    }

    #[test]
    fn params_in_order_of_first_appearance() {
        let e = Expression::new("b1*(1-exp(-b2*x)) + pi*c", None).unwrap();
        assert_eq!(e.param_names(), ["b1", "b2", "c"]);
        assert_eq!(e.n_vars(), 1);
        let e = Expression::new("a*x2 + x1", None).unwrap();
        assert_eq!(e.n_vars(), 2);
        assert!(Expression::new("x + x1", None).is_err());
    }

    #[test]
    fn python_semantics() {
        assert_eq!(ev("-2^2", 0.0, &[]), -4.0);
        assert_eq!(ev("2**3**2", 0.0, &[]), 512.0);
        assert_eq!(ev("2^-1", 0.0, &[]), 0.5);
        assert_eq!(ev("(-2)^3", 0.0, &[]), -8.0);
        assert_eq!(ev("a*x^2", 3.0, &[2.0]), 18.0);
        assert_eq!(ev("pow(x, 2) - 1e-3", 2.0, &[]), 4.0 - 1e-3);
        assert_eq!(ev("10 - 4 - 3", 0.0, &[]), 3.0);
        assert_eq!(ev("8 / 4 / 2", 0.0, &[]), 1.0);
    }

    #[test]
    fn given_params_order_and_unknowns() {
        let names = vec!["k".to_string(), "a".to_string()];
        let e = Expression::new("a*exp(-k*x)", Some(&names)).unwrap();
        assert_eq!(e.param_names(), ["k", "a"]);
        let only = vec!["a".to_string()];
        assert!(matches!(
            Expression::new("a*exp(-k*x)", Some(&only)),
            Err(CurveFitError::UnknownParameter { .. })
        ));
        let bad = vec!["exp".to_string()];
        assert!(matches!(
            Expression::new("exp(x)", Some(&bad)),
            Err(CurveFitError::InvalidParameterName { .. })
        ));
    }
}
