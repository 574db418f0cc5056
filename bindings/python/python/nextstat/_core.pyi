"""Type stubs of the compiled core (nextstat._core)."""

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
F64 = npt.NDArray[np.float64]

__version__: str

class Model:
    @staticmethod
    def from_json(
        text: str,
        measurement: str | None = None,
        normsys: str | None = None,
        histosys: str | None = None,
        source_name: str = "<string>",
    ) -> Model: ...
    @staticmethod
    def from_path(
        path: str | PathLike[str],
        measurement: str | None = None,
        normsys: str | None = None,
        histosys: str | None = None,
    ) -> Model: ...
    @property
    def n_params(self) -> int: ...
    @property
    def par_names(self) -> list[str]: ...
    @property
    def par_order(self) -> list[str]: ...
    def par_slice(self, name: str) -> tuple[int, int]: ...
    def par_index(self, name: str) -> int: ...
    @property
    def poi_index(self) -> int | None: ...
    @property
    def poi_name(self) -> str: ...
    @property
    def measurement(self) -> str: ...
    @property
    def channels(self) -> list[str]: ...
    @property
    def channel_nbins(self) -> dict[str, int]: ...
    @property
    def channel_slices(self) -> dict[str, slice]: ...
    @property
    def samples(self) -> list[str]: ...
    @property
    def n_main(self) -> int: ...
    @property
    def n_aux(self) -> int: ...
    @property
    def modifier_settings(self) -> dict[str, dict[str, str]]: ...
    def suggested_init(self) -> F64: ...
    def suggested_bounds(self) -> F64: ...
    def suggested_fixed(self) -> list[bool]: ...
    @property
    def data(self) -> F64: ...
    @property
    def auxdata(self) -> F64: ...
    def expected_data(self, pars: ArrayLike, include_auxdata: bool = True) -> F64: ...
    def expected_actualdata(self, pars: ArrayLike) -> F64: ...
    def nll(self, pars: ArrayLike, data: ArrayLike | None = None) -> float: ...
    def logpdf(self, pars: ArrayLike, data: ArrayLike | None = None) -> float: ...
    def twice_nll(self, pars: ArrayLike, data: ArrayLike | None = None) -> float: ...
    def nll_grad(self, pars: ArrayLike, data: ArrayLike | None = None) -> tuple[float, F64]: ...

class Workspace:
    @staticmethod
    def from_json(text: str, source_name: str = "<string>") -> Workspace: ...
    @staticmethod
    def from_path(path: str | PathLike[str]) -> Workspace: ...
    @property
    def measurement_names(self) -> list[str]: ...
    @property
    def channels(self) -> list[str]: ...
    @property
    def samples(self) -> list[str]: ...
    @property
    def source_name(self) -> str: ...
    def model(
        self, measurement: str | None = None, normsys: str | None = None, histosys: str | None = None
    ) -> Model: ...

class GofResult:
    @property
    def statistic(self) -> float: ...
    @property
    def ndof(self) -> int: ...
    @property
    def p_value(self) -> float: ...
    @property
    def saturated_nll(self) -> float: ...
    @property
    def fit(self) -> FitResult: ...
    @property
    def p_value_toys(self) -> float | None: ...
    @property
    def n_toys(self) -> int: ...

def gof(
    model: Model,
    data: ArrayLike | None = None,
    fixed: Fixed | None = None,
    toys: int | None = None,
    seed: int = 0,
) -> GofResult: ...

class PatchSet:
    @staticmethod
    def from_json(text: str, source_name: str = "<string>") -> PatchSet: ...
    @property
    def version(self) -> str: ...
    def metadata_json(self) -> str: ...
    def patches_json(self) -> str: ...
    def verify(self, workspace_json: str) -> None: ...
    def apply(
        self, workspace_json: str, name: str | None = None, values_json: str | None = None
    ) -> str: ...

def _apply_json_patch(workspace_json: str, patch_json: str) -> str: ...
def _workspace_combine(left: str, right: str, join: str, merge_channels: bool) -> str: ...
def _workspace_prune_rename(
    workspace_json: str,
    prune: Mapping[str, Sequence[str]],
    rename: Mapping[str, Mapping[str, str]],
) -> str: ...
def _workspace_sorted(workspace_json: str) -> str: ...
def _digest(json_text: str, algorithm: str) -> str: ...

class FitResult:
    @property
    def bestfit(self) -> F64: ...
    @property
    def uncertainties(self) -> F64: ...
    @property
    def covariance(self) -> F64 | None: ...
    @property
    def correlation(self) -> F64 | None: ...
    @property
    def nll(self) -> float: ...
    @property
    def twice_nll(self) -> float: ...
    @property
    def converged(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def hessian_pos_def(self) -> bool: ...
    @property
    def n_iter(self) -> int: ...
    @property
    def n_eval(self) -> int: ...
    @property
    def par_names(self) -> list[str]: ...
    @property
    def poi_value(self) -> float | None: ...
    @property
    def minos(self) -> dict[str, tuple[float, float]]: ...
    @property
    def minos_status(self) -> dict[str, tuple[str, str]]: ...
    def to_dict(self) -> dict[str, Any]: ...

class HypotestResult:
    mu: float
    test_stat: str
    calctype: str
    cls_obs: float
    clsb_obs: float
    clb_obs: float
    cls_exp: F64
    clsb_exp: F64
    clb_exp: F64
    q_obs: float
    q_asimov: float
    teststat: float
    muhat: float
    muhat_asimov: float
    failed_fits: list[tuple[str, str]]
    warning: str | None
    def to_dict(self) -> dict[str, Any]: ...

class ToyHypotestResult:
    mu: float
    test_stat: str
    calctype: str
    cls_obs: float
    clsb_obs: float
    clb_obs: float
    cls_exp: F64
    clsb_exp: F64
    clb_exp: F64
    q_obs: float
    n_toys: int
    sb_test_stats: F64
    b_test_stats: F64
    n_failed_toys: tuple[int, int]
    failed_fits: list[tuple[str, str]]
    warning: str | None
    def to_dict(self) -> dict[str, Any]: ...

class SignificanceResult:
    p0_obs: float
    p0_exp: float
    z_obs: float
    z_exp: float
    q0_obs: float
    q0_asimov: float
    muhat: float
    failed_fits: list[tuple[str, str]]
    def to_dict(self) -> dict[str, Any]: ...

class UpperLimitResult:
    obs_limit: float
    exp_limits: F64
    level: float
    method: str
    n_hypotests: int
    mu: F64
    cls_obs: F64
    cls_exp: F64
    def to_dict(self) -> dict[str, Any]: ...

class ScanResult:
    mu: F64
    twice_delta_nll: F64
    twice_nll: F64
    bestfit: F64
    status: list[str]
    bestfit_mu: float
    global_twice_nll: float
    poi_name: str
    n_failed: int
    def to_dict(self) -> dict[str, Any]: ...

class RankingResult:
    names: list[str]
    indices: list[int]
    bestfit: F64
    uncertainty: F64
    pull: F64
    constraint: F64
    impact_up: F64
    impact_down: F64
    prefit_impact_up: F64
    prefit_impact_down: F64
    muhat: float
    muhat_uncertainty: float
    poi_name: str
    global_status: str
    def to_dict(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...

Fixed = Mapping[str | int, float] | Sequence[bool]
Bounds = Sequence[tuple[float, float]] | F64

def fit(
    model: Model,
    data: ArrayLike | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
    uncertainties: bool = True,
    strict: bool = True,
    minos: Sequence[str] | None = None,
) -> FitResult: ...
def fit_fixed_poi(
    model: Model,
    mu: float,
    data: ArrayLike | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
    uncertainties: bool = True,
    strict: bool = True,
) -> FitResult: ...
def hypotest(
    mu: float,
    model: Model,
    data: ArrayLike | None = None,
    test_stat: str = "qtilde",
    calctype: str = "asymptotics",
    ntoys: int = 1000,
    seed: int = 0,
    threads: int | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
) -> HypotestResult | ToyHypotestResult: ...
def significance(
    model: Model,
    data: ArrayLike | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
) -> SignificanceResult: ...
def upper_limit(
    model: Model,
    data: ArrayLike | None = None,
    scan: ArrayLike | None = None,
    level: float = 0.05,
    test_stat: str = "qtilde",
    bracket: tuple[float, float] | None = None,
    atol: float = 2e-12,
    rtol: float = 1e-4,
    threads: int | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
) -> UpperLimitResult: ...
def scan(
    model: Model,
    mus: ArrayLike,
    data: ArrayLike | None = None,
    threads: int | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
) -> ScanResult: ...
def ranking(
    model: Model,
    data: ArrayLike | None = None,
    threads: int | None = None,
    init: ArrayLike | None = None,
    fixed: Fixed | None = None,
    bounds: Bounds | None = None,
) -> RankingResult: ...

# nextstat.glm's compiled half (use nextstat.glm.fit)
def _glm_fit(
    y: Any, x: Any, names: list[str], failures: Any = ..., offset: Any = ..., exposure: Any = ...,
    var_weights: Any = ..., freq_weights: Any = ..., family: str = ..., link: str | None = ...,
    alpha: float | None = ..., alpha_mle: bool = ..., scale: str | None = ...,
    scale_value: float | None = ..., cov_type: str = ..., groups: list[int] | None = ...,
    method: str = ..., maxiter: int = ..., tol: float = ..., dep: str = ...,
    tol_criterion: str = ..., rtol: float = ...,
) -> dict[str, Any]: ...
def _glm_inverse_link(link: str, eta: Any) -> Any: ...
