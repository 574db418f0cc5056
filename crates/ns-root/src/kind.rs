//! What a branch holds, decided from its class, leaves and TBranchElement
//! fields, and the type name uproot gives it. Anything not recognised gets a
//! reason instead of a guess, so reads fail with [`crate::RootError::Unsupported`].

use crate::branch::Branch;
use crate::leaf::Leaf;

/// A primitive value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prim {
    /// `bool` (one byte, non-zero is true).
    Bool,
    /// `int8_t`.
    I8,
    /// `uint8_t`.
    U8,
    /// `int16_t`.
    I16,
    /// `uint16_t`.
    U16,
    /// `int32_t`.
    I32,
    /// `uint32_t`.
    U32,
    /// `int64_t`.
    I64,
    /// `uint64_t`.
    U64,
    /// `float`.
    F32,
    /// `double`.
    F64,
}

impl Prim {
    /// Bytes per value on disk.
    pub fn size(self) -> usize {
        match self {
            Prim::Bool | Prim::I8 | Prim::U8 => 1,
            Prim::I16 | Prim::U16 => 2,
            Prim::I32 | Prim::U32 | Prim::F32 => 4,
            Prim::I64 | Prim::U64 | Prim::F64 => 8,
        }
    }

    /// The C++ name uproot uses (`int32_t`, `float` ...).
    pub fn name(self) -> &'static str {
        match self {
            Prim::Bool => "bool",
            Prim::I8 => "int8_t",
            Prim::U8 => "uint8_t",
            Prim::I16 => "int16_t",
            Prim::U16 => "uint16_t",
            Prim::I32 => "int32_t",
            Prim::U32 => "uint32_t",
            Prim::I64 => "int64_t",
            Prim::U64 => "uint64_t",
            Prim::F32 => "float",
            Prim::F64 => "double",
        }
    }

    fn from_leaf(class: &str, unsigned: bool) -> Option<Prim> {
        let (s, u) = match class {
            "TLeafO" => return Some(Prim::Bool),
            "TLeafF" => return Some(Prim::F32),
            "TLeafD" => return Some(Prim::F64),
            "TLeafB" => (Prim::I8, Prim::U8),
            "TLeafS" => (Prim::I16, Prim::U16),
            "TLeafI" => (Prim::I32, Prim::U32),
            "TLeafL" | "TLeafG" => (Prim::I64, Prim::U64),
            _ => return None,
        };
        Some(if unsigned { u } else { s })
    }

    /// From a C++ type name as ROOT writes it in class names (`vector<int>`).
    fn from_cpp(name: &str) -> Option<Prim> {
        Some(match name.trim() {
            "bool" | "Bool_t" => Prim::Bool,
            "char" | "signed char" | "Char_t" | "int8_t" => Prim::I8,
            "unsigned char" | "UChar_t" | "uint8_t" => Prim::U8,
            "short" | "Short_t" | "int16_t" => Prim::I16,
            "unsigned short" | "UShort_t" | "uint16_t" => Prim::U16,
            "int" | "Int_t" | "int32_t" => Prim::I32,
            "unsigned int" | "UInt_t" | "uint32_t" => Prim::U32,
            "long" | "long long" | "Long_t" | "Long64_t" | "int64_t" => Prim::I64,
            "unsigned long" | "unsigned long long" | "ULong_t" | "ULong64_t" | "uint64_t" => {
                Prim::U64
            }
            "float" | "Float_t" => Prim::F32,
            "double" | "Double_t" => Prim::F64,
            _ => return None,
        })
    }
}

/// How the values of a fixed-size leaf are encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Enc {
    /// Big-endian values of the leaf's type.
    Plain,
    /// `Double32_t` without range: a `float` on disk, read as `double`.
    F32AsF64,
    /// `Float16_t` without range or `[0,0,nbits]`: exponent byte + 16-bit
    /// mantissa word keeping `nbits` mantissa bits and the sign.
    Mantissa(u32),
    /// `[low,high,nbits]`: a `u32` scaled as `raw * (high-low)/2^nbits + low`
    /// (uproot's formula; f64 for Double32_t, f32 arithmetic for Float16_t).
    Range { low: f64, high: f64, nbits: u32 },
}

impl Enc {
    /// Bytes per value on disk.
    pub(crate) fn size(self, prim: Prim) -> usize {
        match self {
            Enc::Plain => prim.size(),
            Enc::F32AsF64 | Enc::Range { .. } => 4,
            Enc::Mantissa(_) => 3,
        }
    }
}

/// How a branch's bytes are laid out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `width` values per entry (1 for scalars, the product of dimensions for
    /// `x[3]/D`), `vsize` bytes each in encoding `enc`, at byte `offset` of
    /// each `stride`-byte entry (leaf lists pack several leaves per entry).
    Fixed {
        prim: Prim,
        width: usize,
        dims: String,
        enc: Enc,
        stride: usize,
        offset: usize,
    },
    /// `x[n]/F`: as many values as the counter leaf says (entry offsets give it).
    Counted { prim: Prim, count: String },
    /// `std::vector<T>`: per entry a 6-byte object header, a length, the values.
    Vector(Prim),
    /// `std::vector<std::vector<T>>`: header, outer length, then per inner a length and values.
    VectorVector(Prim),
    /// `char*` (TLeafC), `std::string` or `TString`: ROOT's length-prefixed strings.
    Str(&'static str),
}

impl Kind {
    pub(crate) fn typename(&self) -> String {
        match self {
            Kind::Fixed {
                enc: Enc::Plain,
                prim,
                dims,
                ..
            } => format!("{}{dims}", prim.name()),
            Kind::Fixed { prim, dims, .. } => match prim {
                Prim::F64 => format!("Double32_t{dims}"),
                _ => format!("Float16_t{dims}"),
            },
            Kind::Counted { prim, .. } => format!("{}[]", prim.name()),
            Kind::Vector(p) => format!("std::vector<{}>", p.name()),
            Kind::VectorVector(p) => format!("std::vector<std::vector<{}>>", p.name()),
            Kind::Str(s) => s.to_string(),
        }
    }
}

/// `T` of `vector<T>` / `std::vector<T >`.
fn vector_inner(s: &str) -> Option<&str> {
    let s = s.trim();
    let s = s.strip_prefix("std::").unwrap_or(s);
    Some(s.strip_prefix("vector<")?.strip_suffix('>')?.trim())
}

/// `[3][2]` from a leaf title `a[3][2]` or `a[3][2]/d[0,1,8]` (empty for scalars).
fn dims(title: &str) -> &str {
    let t = title.split('/').next().unwrap_or("");
    t.find('[').map_or("", |i| &t[i..])
}

/// The `[low,high(,nbits)]` of a Double32_t/Float16_t leaf title
/// (`d/d[-10,100,20]`), as uproot reads it; `None` without brackets,
/// `Err` for brackets that are not plain numbers (expressions like `2*pi`).
fn trunc_enc(title: &str, len: i32, float16: bool) -> Result<Enc, String> {
    let spec = match title.split_once('/') {
        Some((_, ty)) => ty,
        None if len <= 1 => title,
        None => "",
    };
    let Some((_, rest)) = spec.split_once('[') else {
        return Ok(if float16 {
            Enc::Mantissa(12)
        } else {
            Enc::F32AsF64
        });
    };
    let inner = rest.split(']').next().unwrap_or("");
    let nums: Vec<&str> = inner.split(',').map(str::trim).collect();
    let num = |s: &str| {
        s.parse::<f64>()
            .map_err(|_| format!("range [{inner}] is not plain numbers"))
    };
    let (low, high, nbits) = match nums.as_slice() {
        [l, h] => (num(l)?, num(h)?, 32),
        [l, h, n] => {
            let n = n
                .parse::<i64>()
                .map_err(|_| format!("bits {n:?} in [{inner}]"))?;
            (
                num(l)?,
                num(h)?,
                if (2..=32).contains(&n) { n as u32 } else { 32 },
            )
        }
        _ => {
            return Err(format!(
                "range [{inner}] is not [low,high] or [low,high,nbits]"
            ));
        }
    };
    if low == 0.0 && high == 0.0 {
        // the mantissa word holds nbits and the sign
        if nbits > 15 {
            return Err(format!("truncated float with {nbits} mantissa bits"));
        }
        return Ok(Enc::Mantissa(nbits));
    }
    if high <= low {
        return Err(format!("range [{inner}] has high <= low"));
    }
    Ok(Enc::Range { low, high, nbits })
}

/// The encoding, output type and on-disk value size of one fixed-size leaf.
fn leaf_enc(l: &Leaf) -> Result<(Prim, Enc), String> {
    match l.classname.as_str() {
        "TLeafD32" => trunc_enc(&l.title, l.len, false).map(|e| (Prim::F64, e)),
        "TLeafF16" => trunc_enc(&l.title, l.len, true).map(|e| (Prim::F32, e)),
        c => Prim::from_leaf(c, l.unsigned)
            .map(|p| (p, Enc::Plain))
            .ok_or_else(|| "leaf type not read".to_string()),
    }
}

/// A fixed-size kind for `leaf`, given its byte offset in entries of `stride` bytes.
fn fixed(leaf: &Leaf, prim: Prim, enc: Enc, stride: usize, offset: usize) -> Kind {
    Kind::Fixed {
        prim,
        width: leaf.len.max(1) as usize,
        dims: if leaf.len > 1 {
            dims(&leaf.title).to_string()
        } else {
            String::new()
        },
        enc,
        stride,
        offset,
    }
}

/// Leaf `name` of a leaf-list branch (`a/I:b/F:c/D`): a fixed-size column
/// picked out of each entry's packed leaves.
pub(crate) fn leaf_of_list(b: &Branch, name: &str) -> Option<Result<Kind, (String, String)>> {
    if b.classname != "TBranch" || b.leaves.len() < 2 {
        return None;
    }
    let i = b.leaves.iter().position(|l| l.name == name)?;
    let mut sizes = Vec::with_capacity(b.leaves.len());
    for l in &b.leaves {
        let enc = leaf_enc(l).map_err(|e| (l.classname.clone(), e));
        match enc {
            Ok(_) if l.count.is_some() => {
                let why = "leaf list with a counted leaf".to_string();
                return Some(Err((l.classname.clone(), why)));
            }
            Ok((p, e)) => sizes.push((p, e, e.size(p) * l.len.max(1) as usize)),
            Err(e) => return Some(Err(e)),
        }
    }
    let stride = sizes.iter().map(|s| s.2).sum();
    let offset = sizes[..i].iter().map(|s| s.2).sum();
    let (p, e, _) = sizes[i];
    Some(Ok(fixed(&b.leaves[i], p, e, stride, offset)))
}

/// Decide the layout, or say why it is not supported (with the best type name found).
pub(crate) fn kind_of(b: &Branch) -> Result<Kind, (String, String)> {
    if let Some(el) = &b.element {
        let unsupported = |why: &str| Err((el.class_name.clone(), why.to_string()));
        if b.classname != "TBranchElement" {
            return unsupported(&format!("{} branches are not read", b.classname));
        }
        if !b.branches.is_empty() {
            return unsupported("split object branch (read its members by name)");
        }
        if !(-1..=0).contains(&el.kind) || el.id >= 0 {
            return unsupported(&format!(
                "member of a split object (fType {}, fID {})",
                el.kind, el.id
            ));
        }
        match el.class_name.trim() {
            "string" | "std::string" => return Ok(Kind::Str("std::string")),
            "TString" => return Ok(Kind::Str("TString")),
            _ => {}
        }
        if let Some(t) = vector_inner(&el.class_name) {
            if let Some(p) = Prim::from_cpp(t) {
                return Ok(Kind::Vector(p));
            }
            if let Some(p) = vector_inner(t).and_then(Prim::from_cpp) {
                return Ok(Kind::VectorVector(p));
            }
        }
        return unsupported(
            "class not read (only std::vector of primitives, nested once, strings)",
        );
    }
    let leaf_types = || {
        b.leaves
            .iter()
            .map(|l| l.classname.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let [leaf] = b.leaves.as_slice() else {
        let fields: Vec<String> = b
            .leaves
            .iter()
            .map(|l| format!("{} {};", leaf_enc(l).map_or("?", |(p, _)| p.name()), l.name))
            .collect();
        let first = b.leaves.first().map_or("", |l| l.name.as_str());
        return Err((
            format!("struct {{{}}}", fields.join(" ")),
            format!(
                "leaf list of {} leaves: read each as {}.{first} ...",
                b.leaves.len(),
                b.name
            ),
        ));
    };
    if b.classname != "TBranch" {
        return Err((
            leaf_types(),
            format!("{} branches are not read", b.classname),
        ));
    }
    if leaf.classname == "TLeafC" {
        return Ok(Kind::Str("char*"));
    }
    let (prim, enc) = leaf_enc(leaf).map_err(|e| (leaf.classname.clone(), e))?;
    match &leaf.count {
        Some(c) => {
            if leaf.len > 1 || enc != Enc::Plain {
                return Err((
                    format!("{}[]{}", prim.name(), dims(&leaf.title)),
                    "counted array of truncated floats or with further fixed dimensions".into(),
                ));
            }
            Ok(Kind::Counted {
                prim,
                count: c.clone(),
            })
        }
        None => {
            let stride = enc.size(prim) * leaf.len.max(1) as usize;
            Ok(fixed(leaf, prim, enc, stride, 0))
        }
    }
}
