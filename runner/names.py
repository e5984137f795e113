"""File, column and metadata names: the one place that spells them.

A sweep directory looks like this::

    <sweep dir>/
        .hydra/multirun.yaml    the sweep's Hydra config (hidden from pyarrow by the dot)
        _summary.parquet        one row per point (hidden from pyarrow by the underscore)
        0/table.parquet         one row per (timestep, sequence in the batch)
        0/.hydra/config.yaml    the point's composed config, as Hydra writes it
        1/table.parquet
        ...

so ``pd.read_parquet(<sweep dir>)`` finds every point's table and nothing else.
"""

TABLE_FILE = "table.parquet"
SUMMARY_FILE = "_summary.parquet"
HYDRA_SUBDIR = ".hydra"
MULTIRUN_FILE = "multirun.yaml"
CONFIG_FILE = "config.yaml"  # in a point's .hydra/: its resolved config
OVERRIDES_FILE = "overrides.yaml"  # in a point's .hydra/: its command-line overrides
LOCK_FILE = ".lock"

# Per-timestep result columns, in the notebook's order. Every one but the two indices is a
# list of floats: `x_t` is d wide, `gates` 4h wide, the rest h wide.
BATCH = "batch"
TIMESTEP = "timestep"
X_T = "x_t"
GATES = "gates"
F_T = "f_t"
I_T = "i_t"
O_T = "o_t"
CANDIDATE = "C_t_candidate"
C_T = "C_t"
H_T = "h_t"
INDEX_COLUMNS = (BATCH, TIMESTEP)
VALUE_COLUMNS = (X_T, GATES, F_T, I_T, O_T, CANDIDATE, C_T, H_T)
UNIT_COLUMNS = (F_T, I_T, O_T, CANDIDATE, C_T, H_T)  # h wide: one value per hidden unit
GATE_BLOCKS = (F_T, I_T, O_T, CANDIDATE)  # the column blocks of `gates`, in order

# Key-value metadata of every table (bytes keys in Parquet).
META_CONFIG = "runner.config"  # resolved config, YAML
META_OVERRIDES = "runner.overrides"  # JSON list of the point's command-line overrides
META_VERSIONS = "runner.versions"  # JSON {package: version}
META_INPUTS = "runner.inputs_sha256"  # digest of the (T, B, d) input batch in the run's dtype

# Summary columns, besides the point's parameter columns.
POINT = "point"
SWEEP = "sweep"
OVERRIDES = "overrides"
STATUS = "status"
ERROR = "error"
WALL_TIME = "wall_time_s"
TABLE = "table"
FINAL_H_NORM = "final_h_t_norm"
FINAL_C_NORM = "final_C_t_norm"
FINAL_H_MAX = "final_h_t_max_abs"
FINAL_C_MAX = "final_C_t_max_abs"
STATUS_OK = "ok"
STATUS_FAILED = "failed"
STATUS_REUSED = "reused"
