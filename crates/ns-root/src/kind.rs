//! What a branch holds, decided from its class, leaves and TBranchElement
//! fields, and the type name uproot gives it. Anything not recognised gets a
//! reason instead of a guess, so reads fail with [`crate::RootError::Unsupported`].

use crate::branch::Branch;

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

/// How a branch's bytes are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `width` values per entry (1 for scalars, the product of dimensions for `x[3]/D`).
    Fixed {
        prim: Prim,
        width: usize,
        dims: String,
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
            Kind::Fixed { prim, dims, .. } => format!("{}{dims}", prim.name()),
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

/// `[3][2]` from a leaf title `a[3][2]` (empty for scalars).
fn dims(title: &str) -> &str {
    title.find('[').map_or("", |i| &title[i..])
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
        return Err((
            format!("leaf list ({})", leaf_types()),
            format!("{} leaves in one branch", b.leaves.len()),
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
    let Some(prim) = Prim::from_leaf(&leaf.classname, leaf.unsigned) else {
        return Err((leaf.classname.clone(), "leaf type not read".into()));
    };
    match &leaf.count {
        Some(c) => {
            if leaf.len > 1 {
                return Err((
                    format!("{}[]{}", prim.name(), dims(&leaf.title)),
                    "counted array with further fixed dimensions".into(),
                ));
            }
            Ok(Kind::Counted {
                prim,
                count: c.clone(),
            })
        }
        None => Ok(Kind::Fixed {
            prim,
            width: leaf.len.max(1) as usize,
            dims: if leaf.len > 1 {
                dims(&leaf.title).to_string()
            } else {
                String::new()
            },
        }),
    }
}
