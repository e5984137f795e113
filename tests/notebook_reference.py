"""The notebook's code and printed output (../shared/seed/lstm_notebook.txt), kept verbatim
where the tests compare against them."""

import numpy as np

# Cell In [13], printed output: the first run (weights from np.random.seed(0), zero state).
W = [1.7641, 0.4002, 0.9787, 2.2409, 1.8676, -0.9773, 0.9501, -0.1514]
U = [
    [-0.1032, 0.4106, 0.144, 1.4543, 0.761, 0.1217, 0.4439, 0.3337],
    [1.4941, -0.2052, 0.3131, -0.8541, -2.553, 0.6536, 0.8644, -0.7422],
]
B = [2.2698, -1.4544, 0.0458, -0.1872, 1.5328, 1.4694, 0.1549, 0.3782]
FIRST_RUN_GATES_STEP_1 = [5.7979, -0.6541, 2.0032, 4.2946, 5.2679, -0.4852, 2.0551, 0.0754]
FIRST_RUN_TRACE_LINES = [
    "Initializing weights and biases...",
    "W:  [ 1.7641  0.4002  0.9787  2.2409  1.8676 -0.9773  0.9501 -0.1514]",
    "U:  [-0.1032  0.4106  0.144   1.4543  0.761   0.1217  0.4439  0.3337  1.4941 -0.2052"
    "  0.3131 -0.8541 -2.553   0.6536  0.8644 -0.7422]",
    "b:  [ 2.2698 -1.4544  0.0458 -0.1872  1.5328  1.4694  0.1549  0.3782]",
    "h_t before LSTM Forward Pass:  [[0. 0.]]",
    "C_t before LSTM Forward Pass:  [[0. 0.]]",
    "--------------------------------",
    "Starting LSTM Forward Pass...",
    "  Gates raw values: [ 5.7979 -0.6541  2.0032  4.2946  5.2679 -0.4852  2.0551  0.0754]",
    "--------------------------------",
    "Input to F gate   [[ 5.7979 -0.6541]]",
]

# Cell In [19], printed output: the same loop run again from the state the first run left
# (h_t and C_t leaked between cells). Timesteps 0, 1, 2.
SECOND_RUN = {
    "gates": [
        [
            5.69150442,
            -0.24575738,
            2.14547783,
            5.74104175,
            6.03025755,
            -0.366045,
            2.49369845,
            0.40873171,
        ],
        [
            9.40280444,
            0.53070912,
            4.14188673,
            10.12270543,
            9.4542689,
            -2.23990763,
            4.50152825,
            0.01594867,
        ],
        [
            12.78014531,
            1.3530555,
            6.06832762,
            14.69535743,
            13.44896222,
            -4.25985873,
            6.31616641,
            -0.2109283,
        ],
    ],
    "f_t": [[0.99663684, 0.43886803], [0.99991751, 0.62964849], [0.99999718, 0.79462872]],
    "i_t": [[0.89524544, 0.99679886], [0.98435579, 0.99995984], [0.99769031, 0.99999959]],
    "o_t": [[0.9976009, 0.40949703], [0.99992165, 0.09622357], [0.99999856, 0.01392758]],
    "C_t_candidate": [
        [0.98644568, 0.38739526],
        [0.99975396, 0.01594732],
        [0.99999347, -0.20785486],
    ],
    "C_t": [[3.70666547, 0.30260307], [4.69047333, 0.20648024], [5.68814392, -0.04377964]],
    "h_t": [[0.9963982, 0.1202664], [0.99975305, 0.01959065], [9.99975629e-01, -6.09355263e-04]],
}


def notebook_loop(X, W, U, b, h_t, C_t):
    """The notebook's forward loop (cell In [19]), verbatim but for collecting every value.

    X is [batch, timesteps, features]; returns one dict of arrays per timestep.
    """
    h = U.shape[0]
    results = []
    for t in range(X.shape[1]):  # Loop through each timestep
        x_t = X[:, t, :]  # Input at timestep t [batch, d]
        gates = np.dot(x_t, W) + np.dot(h_t, U) + b  # [batch, 4h]
        f_t = 1 / (1 + np.exp(-gates[:, :h]))  # Forget gate [batch, h]
        i_t = 1 / (1 + np.exp(-gates[:, h : 2 * h]))  # Input gate [batch, h]
        o_t = 1 / (1 + np.exp(-gates[:, 2 * h : 3 * h]))  # Output gate [batch, h]
        C_t_candidate = np.tanh(gates[:, 3 * h :])  # Candidate cell state [batch, h]
        C_t = f_t * C_t + i_t * C_t_candidate  # [batch, h]
        h_t = o_t * np.tanh(C_t)  # [batch, h]
        results.append(
            {
                "x_t": x_t,
                "gates": gates,
                "f_t": f_t,
                "i_t": i_t,
                "o_t": o_t,
                "C_t_candidate": C_t_candidate,
                "C_t": C_t,
                "h_t": h_t,
            }
        )
    return results
