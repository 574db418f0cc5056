//! A text summary laid out like statsmodels' `GLMResults.summary()`.

use crate::options::Method;
use crate::results::GlmResults;

fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e5).contains(&a) {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

fn g5(v: f64) -> String {
    // statsmodels prints header numbers with ~5 significant digits.
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    let digits = (4 - a.log10().floor() as i32).clamp(0, 8) as usize;
    if !(1e-4..1e8).contains(&a) {
        format!("{v:.4e}")
    } else {
        format!("{v:.digits$}")
    }
}

impl GlmResults {
    /// The summary table; `dep` names the response.
    pub fn summary(&self, dep: &str) -> String {
        let w = 78;
        let mut s = String::new();
        let title = if self.alpha.is_some() {
            "NegativeBinomial Regression Results (alpha by maximum likelihood)"
        } else {
            "Generalized Linear Model Regression Results"
        };
        s.push_str(&format!("{title:^w$}\n"));
        s.push_str(&"=".repeat(w));
        s.push('\n');
        let method = match (self.alpha.is_some(), self.method) {
            (true, _) => "MLE (Newton)",
            (false, Method::Irls) => "IRLS",
            (false, Method::Newton) => "Newton",
        };
        let rows: [(&str, String, &str, String); 6] = [
            (
                "Dep. Variable:",
                dep.to_string(),
                "No. Observations:",
                format!("{}", self.nobs),
            ),
            ("Model:", "GLM".into(), "Df Residuals:", g5(self.df_resid)),
            (
                "Model Family:",
                self.family.display_name().into(),
                "Df Model:",
                g5(self.df_model),
            ),
            (
                "Link Function:",
                self.link.display_name().into(),
                "Scale:",
                g5(self.scale),
            ),
            ("Method:", method.into(), "Log-Likelihood:", g5(self.llf)),
            (
                "No. Iterations:",
                format!("{}", self.n_iter),
                "Deviance:",
                g5(self.deviance),
            ),
        ];
        for (a, b, c, d) in rows {
            s.push_str(&format!("{a:<16}{b:>21}   {c:<20}{d:>18}\n"));
        }
        s.push_str(&format!(
            "{:<16}{:>21}   {:<20}{:>18}\n",
            "Covariance Type:",
            self.cov_type,
            "Pearson chi2:",
            g5(self.pearson_chi2)
        ));
        s.push_str(&format!(
            "{:<16}{:>21}   {:<20}{:>18}\n",
            "Converged:",
            if self.converged { "yes" } else { "NO" },
            "Pseudo R-squ. (CS):",
            format!("{:.4}", self.pseudo_rsquared_cs())
        ));
        s.push_str(&"=".repeat(w));
        s.push('\n');
        let nw = self
            .names
            .iter()
            .map(|n| n.len())
            .max()
            .unwrap_or(5)
            .max(10);
        let rest = w.saturating_sub(nw);
        let cw = rest / 6;
        s.push_str(&format!(
            "{:<nw$}{:>cw$}{:>cw$}{:>cw$}{:>cw$}{:>cw$}{:>cw$}\n",
            "", "coef", "std err", "z", "P>|z|", "[0.025", "0.975]"
        ));
        s.push_str(&"-".repeat(w));
        s.push('\n');
        let ci = self.conf_int(0.05);
        for (j, name) in self.names.iter().enumerate() {
            s.push_str(&format!(
                "{:<nw$}{:>cw$}{:>cw$}{:>cw$}{:>cw$}{:>cw$}{:>cw$}\n",
                name,
                fmt_num(self.params[j]),
                fmt_num(self.bse[j]),
                format!("{:.3}", self.tvalues[j]),
                format!("{:.3}", self.pvalues[j]),
                fmt_num(ci[j].0),
                fmt_num(ci[j].1),
            ));
        }
        s.push_str(&"=".repeat(w));
        s.push('\n');
        if !self.perfect_prediction.is_empty() {
            s.push_str(&format!(
                "Warning: {} observation(s) fitted with probability 0 or 1 (quasi-separation); \
                 some parameters may not be identified.\n",
                self.perfect_prediction.len()
            ));
        }
        if !self.converged {
            s.push_str("Warning: the fit did not converge within maxiter.\n");
        }
        s
    }
}
