"""The core-only code of the seed tutorials, run with ``import gradplay.engine as tf``.

Each test is the tutorial's code (indentation restored, nothing else changed unless noted)
and checks the output the tutorial shows, or, where the tutorial shows none, the same
computation written by hand in NumPy.
"""

from __future__ import annotations

import numpy as np

import gradplay.engine as tf


def test_seed003_tensor_creation_and_printing(capsys):
    tensor_constant = tf.constant([[1, 2], [3, 4]], dtype=tf.int32, shape=(2, 2), name="constant")
    print("常量张量:", tensor_constant)
    tensor_variable = tf.Variable(initial_value=[1, 2], dtype=tf.int32, name="variable")
    print("变量张量:", tensor_variable)
    out = capsys.readouterr().out
    assert out == (
        "常量张量: tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)\n"
        "变量张量: <tf.Variable 'variable:0' shape=(2,) dtype=int32, "
        "numpy=array([1, 2], dtype=int32)>\n"
    )


def test_seed003_add_with_variable(capsys):
    a_constant = tf.constant([[1, 2], [3, 4]], dtype=tf.int32, shape=(2, 2), name="a")
    print("常量张量:", a_constant)
    b_variable = tf.Variable(initial_value=[1, 2], dtype=tf.int32, name="b")
    print("变量张量:", b_variable)
    c = tf.add(a_constant, b_variable, name="c")
    print("输出结果: a + b = ", c.numpy())
    assert capsys.readouterr().out == (
        "常量张量: tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)\n"
        "变量张量: <tf.Variable 'b:0' shape=(2,) dtype=int32, numpy=array([1, 2], dtype=int32)>\n"
        "输出结果: a + b =  [[2 4]\n [4 6]]\n"
    )


def test_seed003_cast_and_reshape(capsys):
    int_tensor = tf.constant([[1, 2], [3, 4]], dtype=tf.int32, shape=(2, 2), name="constant")
    print("整型张量:", int_tensor)
    float_tensor = tf.cast(int_tensor, dtype=tf.float32)
    print("浮点张量:", float_tensor)
    tensor = tf.constant([[1, 2, 3], [4, 5, 6]])
    new_tensor = tf.reshape(tensor, [3, 2])
    print("[2, 3] 形状的张量:", tensor)
    print("[3, 2] 形状的张量:", new_tensor)
    assert capsys.readouterr().out == (
        "整型张量: tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)\n"
        "浮点张量: tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)\n"
        "[2, 3] 形状的张量: tf.Tensor(\n[[1 2 3]\n [4 5 6]], shape=(2, 3), dtype=int32)\n"
        "[3, 2] 形状的张量: tf.Tensor(\n[[1 2]\n [3 4]\n [5 6]], shape=(3, 2), dtype=int32)\n"
    )


def test_seed000_basic_tensor_ops(capsys):
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.constant([[5, 6], [7, 8]])
    c = tf.add(a, b)
    d = tf.matmul(a, b)
    print("Tensor c (a + b):\n", c)
    print("Tensor d (a * b):\n", d)
    assert capsys.readouterr().out == (
        "Tensor c (a + b):\n tf.Tensor(\n[[ 6  8]\n [10 12]], shape=(2, 2), dtype=int32)\n"
        "Tensor d (a * b):\n tf.Tensor(\n[[19 22]\n [43 50]], shape=(2, 2), dtype=int32)\n"
    )


def test_seed000_linear_regression_matches_real_tensorflow():
    # Seed 000's loop with its SGD step written as assign_sub (SGD without momentum is exactly
    # W -= lr * g). Real TensorFlow gives W=1.913425, b=0.378666 after 100 epochs.
    x_train = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32)
    y_train = np.array([2.0, 4.1, 6.1, 8.0, 10.1], dtype=np.float32)
    W = tf.Variable(0.0)
    b = tf.Variable(0.0)

    def linear_model(x):
        return W * x + b

    def loss_fn(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred))

    def train_step(x, y):
        with tf.GradientTape() as tape:
            predictions = linear_model(x)
            loss = loss_fn(y, predictions)
        gradients = tape.gradient(loss, [W, b])
        for g, v in zip(gradients, [W, b]):
            v.assign_sub(0.01 * g)
        return loss

    for _epoch in range(100):
        train_step(x_train, y_train)
    assert abs(float(W.numpy()) - 1.913425) < 2e-6
    assert abs(float(b.numpy()) - 0.378666) < 2e-6


def test_seed001_tensor_basics(capsys):
    scalar = tf.constant(5)
    vector = tf.constant([1, 2, 3])
    matrix = tf.constant([[1, 2], [3, 4]])
    tensor3d = tf.constant([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
    print(f"标量形状:{scalar.shape}")
    print(f"向量形状:{vector.shape}")
    print(f"矩阵形状:{matrix.shape}")
    print(f"3维张量形状:{tensor3d.shape}")
    a = tf.constant([1, 2, 3])
    b = tf.constant([4, 5, 6])
    print(f"加法:{a + b}")
    print(f"乘法:{a * b}")
    print(f"点积:{tf.reduce_sum(a * b)}")
    reshaped = tf.reshape(matrix, [4])
    print(f"重塑后:{reshaped}")
    assert capsys.readouterr().out == (
        "标量形状:()\n向量形状:(3,)\n矩阵形状:(2, 2)\n3维张量形状:(2, 2, 2)\n"
        "加法:[5 7 9]\n乘法:[ 4 10 18]\n点积:32\n重塑后:[1 2 3 4]\n"
    )


def test_seed001_compute_gradient(capsys):
    @tf.function
    def compute_gradient(x):
        with tf.GradientTape() as tape:
            y = x**2 + 3 * x + 1
        gradient = tape.gradient(y, x)
        return y, gradient

    x = tf.Variable(2.0)
    y, grad = compute_gradient(x)
    print(f"函数值:{y.numpy()}")
    print(f"梯度:{grad.numpy()}")
    assert capsys.readouterr().out == "函数值:11.0\n梯度:7.0\n"


def test_seed001_multi_var_gradient(capsys):
    @tf.function
    def multi_var_gradient(x, y):
        with tf.GradientTape() as tape:
            z = x**2 + y**3 + x * y
        gradients = tape.gradient(z, [x, y])
        return z, gradients

    x = tf.Variable(1.0)
    y = tf.Variable(2.0)
    z, grads = multi_var_gradient(x, y)
    print(f"函数值:{z.numpy()}")
    print(f"x的梯度:{grads[0].numpy()}")
    print(f"y的梯度:{grads[1].numpy()}")
    assert capsys.readouterr().out == "函数值:11.0\nx的梯度:4.0\ny的梯度:13.0\n"


def test_seed001_linear_regression_class(capsys):
    class LinearRegression:
        def __init__(self):
            self.w = tf.Variable(tf.random.normal([1]))
            self.b = tf.Variable(tf.zeros([1]))

        def predict(self, x):
            return self.w * x + self.b

        def compute_loss(self, x, y_true):
            y_pred = self.predict(x)
            return tf.reduce_mean(tf.square(y_pred - y_true))

        def train_step(self, x, y_true, learning_rate=0.01):
            with tf.GradientTape() as tape:
                loss = self.compute_loss(x, y_true)
            gradients = tape.gradient(loss, [self.w, self.b])
            self.w.assign_sub(learning_rate * gradients[0])
            self.b.assign_sub(learning_rate * gradients[1])
            return loss

    np.random.seed(42)
    X = np.random.randn(100, 1).astype(np.float32)
    y_true = 2 * X + 1 + np.random.randn(100, 1) * 0.1
    model = LinearRegression()
    w0 = float(model.w.numpy()[0])
    losses = []
    for epoch in range(100):
        loss = model.train_step(X, y_true)
        losses.append(loss.numpy())
        if epoch % 20 == 0:
            print(f"Epoch {epoch}, Loss: {loss.numpy():.4f}, w: {model.w.numpy()[0]:.4f}, b: {model.b.numpy()[0]:.4f}")
    assert capsys.readouterr().out.count("Epoch") == 5
    assert losses[-1] < losses[0]
    assert model.w.dtype == tf.float32 and losses[0].dtype == np.float32
    # The same gradient descent by hand (float64 targets meet float32 predictions as in TF).
    w, b = np.float32(w0), np.float32(0.0)
    y32 = y_true.astype(np.float32)
    for _ in range(100):
        err = w * X + b - y32
        gw, gb = np.mean(2 * err * X), np.mean(2 * err)
        w, b = np.float32(w - 0.01 * gw), np.float32(b - 0.01 * gb)
    np.testing.assert_allclose(float(model.w.numpy()[0]), w, rtol=1e-5)
    np.testing.assert_allclose(float(model.b.numpy()[0]), b, rtol=1e-5, atol=1e-6)


def test_seed004_constant_tensors_and_variables():
    assert tf.ones(shape=(2, 1)).numpy().tolist() == [[1.0], [1.0]]
    assert tf.zeros(shape=(2, 1)).dtype == tf.float32
    assert tf.random.normal(shape=(3, 1), mean=0.0, stddev=1.0).shape == (3, 1)
    u = tf.random.uniform(shape=(3, 1), minval=0.0, maxval=1.0).numpy()
    assert ((u >= 0) & (u < 1)).all()
    x = tf.Variable(initial_value=tf.random.normal(shape=(3, 1)))
    x.assign(tf.ones((3, 1)))
    x[0, 0].assign(3.0)
    assert x.numpy().tolist() == [[3.0], [1.0], [1.0]]
    x.assign_add(tf.ones((3, 1)))
    assert x.numpy().tolist() == [[4.0], [2.0], [2.0]]


def test_seed004_basic_math():
    a = tf.ones((2, 2))
    b = tf.square(a)
    c = tf.sqrt(a)
    d = b + c
    e = tf.matmul(a, b)
    e *= d
    np.testing.assert_array_equal(e.numpy(), np.full((2, 2), 4.0, np.float32))


def test_seed004_second_derivative_with_nested_tapes():
    # The tutorial writes tape.watch(time) inside the inner block; "tape" is undefined there
    # (a NameError in TensorFlow too), and the Variable is watched automatically anyway.
    time = tf.Variable(0.0)
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            inner_tape.watch(time)
            position = 4.9 * time**2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    assert float(speed) == 0.0
    np.testing.assert_allclose(float(acceleration), 9.8, rtol=1e-6)


def test_seed004_linear_classifier_40_steps(capsys):
    np.random.seed(0)
    num_samples_per_class = 1000
    negative_samples = np.random.multivariate_normal(mean=[0, 3], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    positive_samples = np.random.multivariate_normal(mean=[3, 0], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
    targets = np.vstack(
        (np.zeros((num_samples_per_class, 1), dtype="float32"), np.ones((num_samples_per_class, 1), dtype="float32"))
    )
    input_dim = 2
    output_dim = 1
    W = tf.Variable(initial_value=tf.random.uniform(shape=(input_dim, output_dim)))
    b = tf.Variable(initial_value=tf.zeros(shape=(output_dim,)))
    W0 = W.numpy()

    def model(inputs):
        return tf.matmul(inputs, W) + b

    def square_loss(targets, predictions):
        return tf.reduce_mean(tf.square(targets - predictions))

    def training_step(inputs, targets, learning_rate=0.1):
        with tf.GradientTape() as tape:
            predictions = model(inputs)
            loss = square_loss(targets, predictions)
        grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_loss_wrt_W * learning_rate)
        b.assign_sub(grad_loss_wrt_b * learning_rate)
        return loss

    for step in range(40):
        loss = training_step(inputs, targets)
        print(f"Loss at step {step}: {loss:.4f}")
    predictions = model(inputs)
    # The tutorial's plotting line, minus the plot: tensors and NumPy arrays mix.
    x = np.linspace(-1, 4, 100)
    y = -W[0] / W[1] * x + (0.5 - b) / W[1]
    assert y.shape == (100,)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 40 and lines[0].startswith("Loss at step 0: ")
    accuracy = np.mean((predictions.numpy() > 0.5) == (targets > 0.5))
    assert accuracy > 0.95
    # Hand-written NumPy gradient descent from the same start.
    Wn, bn = W0.copy(), np.zeros((1,), np.float32)
    for _ in range(40):
        err = inputs @ Wn + bn - targets
        gW = inputs.T @ (2 * err) / err.size
        gb = (2 * err).sum(0) / err.size
        Wn, bn = Wn - 0.1 * gW, bn - 0.1 * gb
    np.testing.assert_allclose(W.numpy(), Wn, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b.numpy(), bn, rtol=1e-4, atol=1e-5)
    assert float(lines[-1].split(": ")[1]) < float(lines[0].split(": ")[1])
