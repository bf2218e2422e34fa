"""Every Keras example of the seed tutorials, with only the import lines changed.

Parameter counts are Keras 3's (checked against real Keras 3.15 where noted in
tests/keras/test_against_keras.py). Training runs on small random data here; the MNIST
accuracy tests are in test_mnist.py.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import callbacks, layers, losses, models, optimizers, regularizers


@pytest.fixture(autouse=True)
def _fresh_names():
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)


def summary_text(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def params_line(model):
    return [line for line in summary_text(model).splitlines() if "Total params" in line][0]


# --- seed 000 ---------------------------------------------------------------------------------


def test_seed000_mnist_mlp_structure_and_training():
    model = models.Sequential(
        [
            layers.Flatten(input_shape=(28, 28)),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert model.count_params() == 101_770
    assert params_line(model) == " Total params: 101,770 (397.54 KB)"
    x = np.random.rand(64, 28, 28).astype(np.float32)
    y = np.random.randint(0, 10, 64)
    history = model.fit(x, y, epochs=2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"] and len(history.history["loss"]) == 2
    loss, acc = model.evaluate(x, y, verbose=0)
    assert 0 <= acc <= 1 and loss > 0


def test_seed000_cifar_cnn_and_lstm_and_gan():
    cnn = models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
    )
    assert cnn.count_params() == 122_570
    cnn.compile(
        optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    x = np.random.rand(16, 32, 32, 3).astype(np.float32)
    y = np.random.randint(0, 10, (16, 1))
    h = cnn.fit(x, y, epochs=1, validation_data=(x, y), verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}

    lstm = models.Sequential(
        [layers.LSTM(50, return_sequences=True, input_shape=(None, 1)), layers.LSTM(50), layers.Dense(1)]
    )
    assert lstm.count_params() == 30_651
    lstm.compile(optimizer="adam", loss="mse")
    data = np.sin(np.linspace(0, 10, 60)).astype(np.float32)
    lstm.fit(data[:-10].reshape(-1, 1, 1), data[1:-9].reshape(-1, 1), epochs=2, verbose=0)
    assert lstm.predict(data[-10:].reshape(-1, 1, 1), verbose=0).shape == (10, 1)

    generator = tf.keras.Sequential(
        [
            layers.Dense(256, activation="relu", input_shape=(100,)),
            layers.Reshape((16, 16, 1)),
            layers.Conv2DTranspose(128, kernel_size=3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(64, kernel_size=3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(1, kernel_size=3, padding="same", activation="sigmoid"),
        ]
    )
    discriminator = tf.keras.Sequential(
        [
            layers.Conv2D(64, kernel_size=3, strides=2, padding="same", input_shape=(28, 28, 1)),
            layers.LeakyReLU(),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    assert generator.count_params() == 101_505 and generator.output_shape == (None, 64, 64, 1)
    assert discriminator.count_params() == 13_185
    assert generator(np.random.rand(2, 100).astype(np.float32)).shape == (2, 64, 64, 1)


# --- seed 003 ---------------------------------------------------------------------------------


def seed003_cnn():
    return models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def test_seed003_cnn_summary_and_activation_model():
    model = seed003_cnn()
    text = summary_text(model)
    assert "conv2d (Conv2D)" in text and "(None, 26, 26, 32)" in text and "(None, 576)" in text
    assert " Total params: 93,322 (364.54 KB)" in text
    layer_outputs = [layer.output for layer in model.layers]
    activation_model = models.Model(inputs=model.input, outputs=layer_outputs)
    img = np.random.rand(1, 28, 28, 1).astype(np.float32)
    activations = activation_model.predict(img, verbose=0)
    assert [a.shape for a in activations] == [
        (1, 26, 26, 32),
        (1, 13, 13, 32),
        (1, 11, 11, 64),
        (1, 5, 5, 64),
        (1, 3, 3, 64),
        (1, 576),
        (1, 64),
        (1, 10),
    ]
    np.testing.assert_allclose(activations[-1], model.predict(img, verbose=0), rtol=1e-6)
    layer_names = [layer.name for layer in model.layers]
    assert layer_names[:2] == ["conv2d", "max_pooling2d"]


# --- seed 001 ---------------------------------------------------------------------------------


def test_seed001_dnn_three_ways():
    simple = models.Sequential(
        [
            layers.Dense(128, activation="relu", input_shape=(784,)),
            layers.Dropout(0.2),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert simple.count_params() == 109_386

    inputs = layers.Input(shape=(784,))
    x = layers.Dense(128, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    functional = models.Model(inputs=inputs, outputs=outputs)
    text = summary_text(functional)
    assert 'Model: "functional"' in text
    assert " Total params: 110,154 (430.29 KB)" in text and " Non-trainable params: 384 (1.50 KB)" in text

    class CustomDNN(models.Model):
        def __init__(self, num_classes=10):
            super(CustomDNN, self).__init__()  # noqa: UP008 - the tutorial's spelling
            self.dense1 = layers.Dense(128, activation="relu")
            self.dropout1 = layers.Dropout(0.2)
            self.dense2 = layers.Dense(64, activation="relu")
            self.dropout2 = layers.Dropout(0.2)
            self.dense3 = layers.Dense(num_classes, activation="softmax")

        def call(self, inputs, training=False):
            x = self.dense1(inputs)
            x = self.dropout1(x, training=training)
            x = self.dense2(x)
            x = self.dropout2(x, training=training)
            return self.dense3(x)

    X_train = np.random.randn(200, 784).astype(np.float32)
    y_train = np.random.randint(0, 10, size=(200,))
    for model in (simple, functional, CustomDNN()):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(X_train, y_train, batch_size=32, epochs=2, validation_split=0.2, verbose=0)
        assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert history.history["loss"][1] < history.history["loss"][0]
        assert model.count_params() in (109_386, 110_154)


def test_seed001_bn_cnn_with_callbacks():
    model = models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(128, (3, 3), activation="relu"),
            layers.BatchNormalization(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(256, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.count_params() == 130_186
    assert sum(int(np.prod(v.shape)) for v in model.non_trainable_weights) == 960
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    cbs = [
        tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True),
        tf.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3, min_lr=1e-6),
    ]
    x = np.random.rand(40, 28, 28, 1).astype(np.float32)
    y = np.random.randint(0, 10, 40)
    history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.1, callbacks=cbs, verbose=0)
    assert {"loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"} <= set(history.history)
    moving_mean = model.layers[1].moving_mean.numpy()
    assert np.any(moving_mean != 0)  # batch statistics were folded into the moving averages
    test_loss, test_acc = model.evaluate(x, y, verbose=0)
    assert np.isfinite(test_loss)


def test_seed001_lstm_text_classifier():
    with pytest.warns(UserWarning, match="input_length"):
        model = models.Sequential(
            [
                layers.Embedding(10000, 128, input_length=200),
                layers.LSTM(128, return_sequences=False, dropout=0.2, recurrent_dropout=0.2),
                layers.Dense(64, activation="relu"),
                layers.Dropout(0.3),
                layers.Dense(2, activation="softmax"),
            ]
        )
    assert "0 (unbuilt)" in summary_text(model)  # Keras 3 shows an unbuilt Sequential this way
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    X = np.random.randint(0, 10000, size=(48, 12))
    y = np.random.randint(0, 2, size=(48,))
    model.fit(X, y, batch_size=16, epochs=1, validation_split=0.25, verbose=0)
    assert model.count_params() == 1_419_970


def residual_block(x, filters, kernel_size=3, stride=1, conv_shortcut=True):
    y = layers.Conv2D(filters, kernel_size, strides=stride, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, kernel_size, padding="same")(y)
    y = layers.BatchNormalization()(y)
    if conv_shortcut:
        shortcut = layers.Conv2D(filters, 1, strides=stride, padding="same")(x)
        shortcut = layers.BatchNormalization()(shortcut)
    else:
        shortcut = x
    y = layers.add([y, shortcut])
    y = layers.Activation("relu")(y)
    return y


def build_resnet(input_shape=(32, 32, 3), num_classes=10):
    inputs = layers.Input(shape=input_shape)
    x = layers.Conv2D(64, (3, 3), padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = residual_block(x, filters=64, conv_shortcut=False)
    x = residual_block(x, filters=64)
    x = residual_block(x, filters=64)
    x = residual_block(x, filters=128, stride=2)
    x = residual_block(x, filters=128)
    x = residual_block(x, filters=128)
    x = residual_block(x, filters=256, stride=2)
    x = residual_block(x, filters=256)
    x = residual_block(x, filters=256)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return models.Model(inputs=inputs, outputs=outputs)


def test_seed001_resnet():
    model = build_resnet()
    text = summary_text(model)
    assert "Connected to" in text and "add (Add)" in text
    assert model.count_params() == RESNET_PARAMS
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    x = np.random.rand(2, 32, 32, 3).astype(np.float32)
    logs = model.train_on_batch(x, np.array([1, 2]), return_dict=True)
    assert set(logs) == {"loss", "accuracy"}


RESNET_PARAMS = 4_647_818  # summed by hand per block; equals Keras 3


class SeedMultiHeadAttention(layers.Layer):
    def __init__(self, d_model, num_heads):
        super(SeedMultiHeadAttention, self).__init__()  # noqa: UP008
        self.num_heads = num_heads
        self.d_model = d_model
        assert d_model % num_heads == 0
        self.depth = d_model // num_heads
        self.wq = layers.Dense(d_model)
        self.wk = layers.Dense(d_model)
        self.wv = layers.Dense(d_model)
        self.dense = layers.Dense(d_model)

    def split_heads(self, x, batch_size):
        x = tf.reshape(x, [batch_size, -1, self.num_heads, self.depth])
        return tf.transpose(x, perm=[0, 2, 1, 3])

    def call(self, v, k, q, mask=None):
        batch_size = tf.shape(q)[0]
        q = self.wq(q)
        k = self.wk(k)
        v = self.wv(v)
        q = self.split_heads(q, batch_size)
        k = self.split_heads(k, batch_size)
        v = self.split_heads(v, batch_size)
        matmul_qk = tf.matmul(q, k, transpose_b=True)
        dk = tf.cast(tf.shape(k)[-1], tf.float32)
        scaled_attention_logits = matmul_qk / tf.math.sqrt(dk)
        if mask is not None:
            scaled_attention_logits += mask * -1e9
        attention_weights = tf.nn.softmax(scaled_attention_logits, axis=-1)
        output = tf.matmul(attention_weights, v)
        output = tf.transpose(output, perm=[0, 2, 1, 3])
        output = tf.reshape(output, [batch_size, -1, self.d_model])
        output = self.dense(output)
        return output, attention_weights


class TransformerBlock(layers.Layer):
    def __init__(self, d_model, num_heads, dff, rate=0.1):
        super(TransformerBlock, self).__init__()  # noqa: UP008
        self.mha = SeedMultiHeadAttention(d_model, num_heads)
        self.ffn = tf.keras.Sequential([layers.Dense(dff, activation="relu"), layers.Dense(d_model)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, x, training, mask=None):
        attn_output, _ = self.mha(x, x, x, mask)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(x + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


def build_transformer_model(vocab_size=10000, d_model=128, num_heads=8, dff=512, max_length=200, num_classes=2):
    inputs = layers.Input(shape=(max_length,))
    embedding = layers.Embedding(vocab_size, d_model)(inputs)
    positions = tf.range(start=0, limit=max_length, delta=1, dtype=tf.float32)
    positions = tf.expand_dims(positions, axis=0)
    positions = layers.Embedding(max_length, d_model)(positions)
    x = embedding + positions
    x = TransformerBlock(d_model, num_heads, dff)(x, training=True)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return models.Model(inputs=inputs, outputs=outputs)


def test_seed001_transformer_block():
    model = build_transformer_model(max_length=20)
    assert model.count_params() == 1_486_658
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.randint(0, 10000, (8, 20)).astype(np.float32)
    y = np.random.randint(0, 2, 8)
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # Keras' own MultiHeadAttention as well (same weight layout as Keras 3).
    mha = layers.MultiHeadAttention(num_heads=8, key_dim=16)
    q = tf.random.normal((2, 5, 128))
    out, scores = mha(q, q, return_attention_scores=True)
    assert out.shape == (2, 5, 128) and scores.shape == (2, 8, 5, 5)
    assert mha.count_params() == 4 * (128 * 128 + 128)


def test_seed001_losses_optimizers_and_custom_loss():
    optimizers_dict = {
        "SGD": optimizers.SGD(learning_rate=0.01, momentum=0.9),
        "Adam": optimizers.Adam(learning_rate=0.001),
        "AdamW": optimizers.AdamW(learning_rate=0.001, weight_decay=0.001),
        "RMSprop": optimizers.RMSprop(learning_rate=0.001),
        "Adagrad": optimizers.Adagrad(learning_rate=0.01),
    }
    losses_dict = {
        "MSE": losses.MeanSquaredError(),
        "BinaryCrossentropy": losses.BinaryCrossentropy(),
        "CategoricalCrossentropy": losses.CategoricalCrossentropy(),
        "SparseCategoricalCrossentropy": losses.SparseCategoricalCrossentropy(),
        "Huber": losses.Huber(),
        "LogCosh": losses.LogCosh(),
    }

    def custom_loss(y_true, y_pred):
        mse = tf.reduce_mean(tf.square(y_true - y_pred))
        mae = tf.reduce_mean(tf.abs(y_true - y_pred))
        return 0.7 * mse + 0.3 * mae

    x = np.random.rand(32, 4).astype(np.float32)
    y = x.sum(1, keepdims=True)
    for name, opt in optimizers_dict.items():
        model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(1)])
        model.compile(optimizer=opt, loss=custom_loss)
        h = model.fit(x, y, epochs=3, verbose=0)
        assert h.history["loss"][-1] < h.history["loss"][0], name
    for name, loss in losses_dict.items():
        assert callable(loss), name


def test_seed001_learning_rate_schedules_and_callbacks(capsys):
    def exponential_decay(epoch):
        return 0.01 * (0.96**epoch)

    def step_decay(epoch):
        return 0.01 * (0.5 ** (epoch // 10.0))

    class CustomLRScheduler(callbacks.Callback):
        def __init__(self, initial_lr=0.01, decay_rate=0.96):
            super().__init__()
            self.initial_lr = initial_lr
            self.decay_rate = decay_rate

        def on_epoch_begin(self, epoch, logs=None):
            lr = self.initial_lr * (self.decay_rate**epoch)
            tf.keras.backend.set_value(self.model.optimizer.lr, lr)
            print(f"\nEpoch {epoch + 1}: Learning rate is {lr:.6f}")

    X_train = np.random.rand(32, 8).astype(np.float32)
    y_train = np.random.randint(0, 3, 32)
    model = models.Sequential([layers.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X_train, y_train, epochs=3, callbacks=[CustomLRScheduler()], verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 3: Learning rate is 0.009216" in out and "Epoch 3/3" in out
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.01 * 0.96**2, rtol=1e-6)
    for schedule in (exponential_decay, step_decay):
        model.fit(X_train, y_train, epochs=2, verbose=0, callbacks=[callbacks.LearningRateScheduler(schedule)])
        np.testing.assert_allclose(float(model.optimizer.learning_rate), schedule(1), rtol=1e-6)


def test_seed001_regularized_bn_and_augmentation_models():
    regularized = tf.keras.Sequential(
        [
            layers.Dense(128, activation="relu", kernel_regularizer=regularizers.l2(0.001)),
            layers.Dropout(0.3),
            layers.Dense(64, activation="relu", kernel_regularizer=regularizers.l1_l2(l1=0.001, l2=0.001)),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )
    bn = tf.keras.Sequential(
        [
            layers.Dense(128),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Dropout(0.3),
            layers.Dense(64),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ]
    )
    x = np.random.rand(32, 20).astype(np.float32)
    y = np.random.randint(0, 10, 32)
    for model in (regularized, bn):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=1, verbose=0)
    assert len(regularized.losses) == 2  # one penalty per regularized kernel
    penalty = float(regularized.losses[0])
    kernel = regularized.layers[0].kernel.numpy()
    np.testing.assert_allclose(penalty, 0.001 * np.sum(kernel**2), rtol=1e-5)
    assert bn.count_params() == 20 * 128 + 128 + 4 * 128 + 128 * 64 + 64 + 4 * 64 + 650

    augmentation = tf.keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.1),
            layers.RandomContrast(0.1),
        ]
    )
    images = np.random.rand(4, 32, 32, 3).astype(np.float32) * 255
    np.testing.assert_array_equal(augmentation(images, training=False).numpy(), images)
    changed = augmentation(images, training=True).numpy()
    assert changed.shape == images.shape and not np.allclose(changed, images)


def build_cifar10_model(data_augmentation, input_shape=(32, 32, 3)):
    return models.Sequential(
        [
            layers.Input(shape=input_shape),
            data_augmentation,
            layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.2),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.3),
            layers.Conv2D(128, (3, 3), padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(128, (3, 3), padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.GlobalAveragePooling2D(),
            layers.Dense(256, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def test_seed001_cifar10_project_on_synthetic_data(tmp_path):
    from gradplay.engine.keras.datasets import cifar10

    (x_train, y_train), (x_test, y_test) = cifar10.synthetic_data(n_train=64, n_test=16, seed=0)
    x_train = x_train.astype("float32") / 255.0
    y_train = tf.keras.utils.to_categorical(y_train, 10)
    assert x_train.shape == (64, 32, 32, 3) and y_train.shape == (64, 10)
    data_augmentation = tf.keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomZoom(0.1),
            layers.RandomContrast(0.1),
        ]
    )
    model = build_cifar10_model(data_augmentation)
    assert model.count_params() == 325_418
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    cbs = [
        callbacks.EarlyStopping(monitor="val_accuracy", patience=15, restore_best_weights=True, verbose=1),
        callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=5, min_lr=1e-6, verbose=1),
    ]
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_split=0.1, callbacks=cbs, verbose=0)
    assert "val_accuracy" in history.history
    y_pred = model.predict(x_test.astype("float32") / 255.0, verbose=0)
    assert y_pred.shape == (16, 10)
    np.testing.assert_allclose(y_pred.sum(1), 1, rtol=1e-5)


# --- seed 004 ---------------------------------------------------------------------------------


def test_seed004_keras_linear_classifier_with_validation_data():
    num_samples_per_class = 500
    negative_samples = np.random.multivariate_normal(mean=[0, 3], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    positive_samples = np.random.multivariate_normal(mean=[3, 0], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
    targets = np.vstack(
        (np.zeros((num_samples_per_class, 1), dtype="float32"), np.ones((num_samples_per_class, 1), dtype="float32"))
    )
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(
        optimizer=tf.keras.optimizers.RMSprop(learning_rate=0.1),
        loss=tf.keras.losses.MeanSquaredError(),
        metrics=[tf.keras.metrics.BinaryAccuracy()],
    )
    indices_permutation = np.random.permutation(len(inputs))
    shuffled_inputs = inputs[indices_permutation]
    shuffled_targets = targets[indices_permutation]
    num_validation_samples = int(0.3 * len(inputs))
    val_inputs = shuffled_inputs[:num_validation_samples]
    val_targets = shuffled_targets[:num_validation_samples]
    training_inputs = shuffled_inputs[num_validation_samples:]
    training_targets = shuffled_targets[num_validation_samples:]
    history = model.fit(
        training_inputs, training_targets, epochs=5, batch_size=16, validation_data=(val_inputs, val_targets), verbose=0
    )
    assert set(history.history) == {"loss", "binary_accuracy", "val_loss", "val_binary_accuracy"}
    loss_and_metrics = model.evaluate(val_inputs, val_targets, batch_size=128, verbose=0)
    assert len(loss_and_metrics) == 2 and loss_and_metrics[1] > 0.9
    predictions = model.predict(val_inputs, batch_size=128, verbose=0)
    assert predictions.shape == (num_validation_samples, 1)
    model2 = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model2.compile(optimizer="rmsprop", loss="mean_squared_error", metrics=["accuracy"])
    model2.fit(inputs, targets, epochs=1, verbose=0)
    assert model2(inputs[:3]).shape == (3, 1)
