#!/usr/bin/python3
"""PyTorch reference for BertForMaskedLM, DistilBertForMaskedLM, RobertaForMaskedLM, AlbertForMaskedLM,
ElectraForMaskedLM, ModernBertForMaskedLM, NomicBertModel and JinaBertForMaskedLM: the test oracle for vkbert.

Reads a Hugging Face model directory (config.json + model.safetensors) and runs the
forward pass of Hugging Face's model written out in plain PyTorch (Debian's
python3-torch; the `transformers` package is not needed). config.json's "model_type" picks it:

- "bert" (or none): BertForMaskedLM. Embeddings (word + position + token type) + LayerNorm,
  self-attention with the additive padding mask (torch.finfo(float32).min), hidden_act (the
  exact erf GELU, or "gelu_new", its tanh approximation) in the layers and the MLM transform,
  residual LayerNorms, and the MLM head with the decoder tied to the word embeddings (or its
  own decoder weight when the config says "tie_word_embeddings": false).
- "distilbert": DistilBertForMaskedLM (modeling_distilbert.py). Embeddings are word + position
  only (no token types; --types must be absent or all zero) + LayerNorm (eps 1e-12); each layer
  is q_lin/k_lin/v_lin, q scaled by 1/sqrt(head dim), padded keys' scores replaced by
  finfo.min, out_lin, sa_layer_norm(x + attn), lin1 -> activation -> lin2,
  output_layer_norm(sa + ffn); the head is vocab_transform -> activation -> vocab_layer_norm ->
  vocab_projector, whose weight is the word embeddings unless "tie_word_embeddings": false.
  Names with or without the "distilbert." prefix (DistilBertModel checkpoints have none);
  vocab_projector.weight may be stored (a tied copy) or not. "sinusoidal_pos_embds": true
  (distilbert-base-cased-distilled-squad) reads the stored position table like any other.
- "roberta", "xlm-roberta", "camembert": RobertaForMaskedLM (modeling_roberta.py; XLM-R's and
  CamemBERT's classes are copies of it). Names under "roberta." (a RobertaModel checkpoint may
  have none). Position ids from the input ids (create_position_ids_from_input_ids): with
  padding_idx = pad_token_id, mask = ids != padding_idx, position = cumsum(mask) * mask +
  padding_idx; token type embeddings (one row in practice), LayerNorm; BERT's layer (hidden_act);
  the head lm_head.dense -> GELU (erf, whatever hidden_act says) -> lm_head.layer_norm -> lm_head.decoder, tied to the word
  embeddings unless "tie_word_embeddings": false, + lm_head.bias. Padded batch rows get
  padding_idx as their id, as Hugging Face's tokenizers pad them.
- "albert": AlbertForMaskedLM (modeling_albert.py). Names under "albert." (an AlbertModel
  checkpoint may have none), the head's (predictions.*) never. Embeddings word + position (from
  0) + token type, embedding_size wide, LayerNorm over embedding_size, then
  encoder.embedding_hidden_mapping_in to hidden_size. num_hidden_layers layers, layer i running
  group i * num_hidden_groups // num_hidden_layers, each group inner_group_num layers
  (albert_layer_groups.G.albert_layers.J): attention.query/key/value, attention.dense,
  attention.LayerNorm(x + attn), ffn -> hidden_act -> ffn_output, full_layer_layer_norm(ffn +
  attn). hidden_act "gelu_new" (AlbertConfig's default: 0.5 x (1 + tanh(sqrt(2/pi) (x +
  0.044715 x^3)))) or "gelu". The head: predictions.dense -> hidden_act -> predictions.LayerNorm
  -> predictions.decoder (tied to the word embeddings unless "tie_word_embeddings": false) +
  predictions.bias. class_logits: AlbertForSequenceClassification's classifier(tanh(pooler(h[0]))).
- "modernbert": ModernBertForMaskedLM (modeling_modernbert.py, its eager/sdpa path with padding).
  Names under "model." (a ModernBertModel checkpoint has none), the head's (head.*, decoder.*)
  never. No position or token type embeddings: norm(tok_embeddings[ids]), eps norm_eps, biases
  of the norms only with norm_bias. Pre-norm layers h += Wo(attn(attn_norm(h))), h +=
  mlp(mlp_norm(h)), attn_norm the identity at layer 0; a fused Wqkv [3H, H] viewed [B, S, 3,
  heads, D]; rotary positions 0..S-1 (rotate_half over the two halves of a head; angles and their
  cos/sin in float32, as Hugging Face computes them whatever the model's dtype) with
  global_rope_theta on layers i % global_attn_every_n_layers == 0 and local_rope_theta on the
  others, which also see only keys within local_attention // 2 of the query; the GeGLU MLP
  Wo(act(a) * g) for a, g = Wi(x).chunk(2); final_norm. The head: decoder(head.norm(act(head.dense(h))))
  with classifier_activation, the decoder tied to tok_embeddings (unless "tie_word_embeddings":
  false) and decoder.bias with decoder_bias. attention_bias, mlp_bias, classifier_bias: those
  Linears' biases. No token types (--types must be absent or all zero).
  modernbert_class_logits: ModernBertForSequenceClassification's classifier(head(pooled)), pooled
  by classifier_pooling: "cls" h[:, 0], "mean" sum(h * mask) / sum(mask) over the final states.
- "bert" with position_embedding_type "alibi": JinaBertModel / JinaBertForMaskedLM (jina-embeddings-v2,
  forward_jina): no position embeddings, ALiBi's -slope_h |i - j| on every layer's scores (alibi_slopes,
  Press et al.'s), the GeGLU MLP (mlp.gated_layers without bias, gelu of its first half times the
  second, mlp.wo, mlp.layernorm), BERT's MLM head.
- "nomic_bert": NomicBertModel (nomic-embed-text v1 / v1.5; the remote code modeling_hf_nomic_bert.py,
  its non-flash path). GPT-2's config keys (n_embd, n_head, n_layer, n_inner, layer_norm_epsilon).
  Names without a prefix (NomicBertForPreTraining's "bert." is taken too). emb_ln(word + token
  type embeddings), no position embeddings; post-norm layers: Wqkv [3H, H] viewed [B, S, 3, heads,
  D], the first R = D * rotary_emb_fraction dimensions of q and k rotated (rotate_half over those R,
  GPT-NeoX's form; inv_freq = 1 / rotary_emb_base^(2j / R), angles and cos/sin in float32 as the
  remote code makes them), the rest unchanged; softmax(q k^T / sqrt(D) + mask); norm1(out_proj(ctx)
  + x); the SwiGLU fc2(fc11(x) * silu(fc12(x))); norm2(mlp + x). qkv_proj_bias (Wqkv, out_proj),
  mlp_fc1_bias (fc11, fc12), mlp_fc2_bias (fc2): those Linears' biases (NomicBertConfig's default:
  true). No MLM head (logits None); prenorm, interleaved rotation, rotary scaling, another
  activation_function and no rotation at all are refused.
- token_head: BertForTokenClassification / DistilBertForTokenClassification (classifier on every
  token, chosen by config.json's architectures) or *ForQuestionAnswering (qa_outputs: start, end).
- "electra": ElectraForMaskedLM, the generator (modeling_electra.py). Names under "electra.",
  the heads' never. Embeddings as BERT's but embedding_size wide (LayerNorm over embedding_size),
  then embeddings_project to hidden_size only when the widths differ; BERT's layers; the head
  generator_predictions.dense -> GELU (the exact one, whatever hidden_act says: the PyTorch class
  fixes it) -> generator_predictions.LayerNorm -> generator_lm_head (tied to the word embeddings
  unless "tie_word_embeddings": false) + generator_lm_head.bias. class_logits:
  ElectraClassificationHead's classifier.out_proj(gelu(classifier.dense(h[0]))), no pooler.

The tensor names are written out here on purpose, apart from the runtime's: this is the oracle.

    /usr/bin/python3 model_tools/reference.py --model DIR --ids 101,1996,103,102 \
        [--types 0,0,0,0] [--hidden H.npy] [--logits L.npy] [--topk 5] [--json]

Several sequences (padded batch): --ids "101,103,102;101,2054,103,1029,102".
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def load_safetensors(path):
    """Returns {name: float32 torch tensor}. Parses the format directly (no extra package)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[base + b:base + e]
        shape = info["shape"]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(arr.astype(np.float32).reshape(shape).copy())
    return out


def get(w, name):
    """A tensor by its name with or without the bert. prefix, LayerNorm gamma/beta too."""
    cands = [name]
    if "LayerNorm." in name:
        cands.append(name.replace(".weight", ".gamma").replace(".bias", ".beta"))
    for c in cands:
        for full in ("bert." + c, c):
            if full in w:
                return w[full]
    raise KeyError(name)


# attention_probs() sets this to a list: every layer's softmax(q k^T / sqrt(D) + mask), [B, heads, S, S],
# is appended to it in layer order.
_ATTENTION_RECORD = None


def _attention_softmax(scores):
    probs = torch.softmax(scores, dim=-1)
    if _ATTENTION_RECORD is not None:
        _ATTENTION_RECORD.append(probs.detach().clone())
    return probs


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def forward(w, cfg, ids, types, mask, dtype=torch.float32):
    """ids, types, mask: [B, S] int tensors. Returns hidden [B, S, H], logits [B, S, V] or None."""
    w = {k: v.to(dtype) for k, v in w.items()}
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    D = H // nh
    eps = cfg.get("layer_norm_eps", 1e-12)
    act = activation(cfg.get("hidden_act", "gelu"))
    B, S = ids.shape
    pos = torch.arange(S).unsqueeze(0).expand(B, S)
    x = get(w, "embeddings.word_embeddings.weight")[ids] \
        + get(w, "embeddings.position_embeddings.weight")[pos] \
        + get(w, "embeddings.token_type_embeddings.weight")[types]
    x = layer_norm(x, get(w, "embeddings.LayerNorm.weight"), get(w, "embeddings.LayerNorm.bias"), eps)
    add_mask = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lin(t, p):
        return t @ get(w, p + ".weight").T + get(w, p + ".bias")

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q = lin(x, p + "attention.self.query").view(B, S, nh, D).transpose(1, 2)
        k = lin(x, p + "attention.self.key").view(B, S, nh, D).transpose(1, 2)
        v = lin(x, p + "attention.self.value").view(B, S, nh, D).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / (D ** 0.5) + add_mask
        ctx = (_attention_softmax(scores) @ v).transpose(1, 2).reshape(B, S, H)
        x = layer_norm(lin(ctx, p + "attention.output.dense") + x,
                       get(w, p + "attention.output.LayerNorm.weight"),
                       get(w, p + "attention.output.LayerNorm.bias"), eps)
        inter = act(lin(x, p + "intermediate.dense"))
        x = layer_norm(lin(inter, p + "output.dense") + x, get(w, p + "output.LayerNorm.weight"),
                       get(w, p + "output.LayerNorm.bias"), eps)
    return x, bert_mlm_head(w, cfg, x, act, eps)


def bert_mlm_head(w, cfg, x, act, eps):
    """BertForMaskedLM's cls.predictions on the final hidden states x (None when the checkpoint has
    no MLM head)."""
    if "cls.predictions.transform.dense.weight" not in w and "bert.cls.predictions.transform.dense.weight" not in w:
        return None
    t = act(x @ get(w, "cls.predictions.transform.dense.weight").T + get(w, "cls.predictions.transform.dense.bias"))
    t = layer_norm(t, get(w, "cls.predictions.transform.LayerNorm.weight"),  # BertPredictionHeadTransform
                   get(w, "cls.predictions.transform.LayerNorm.bias"), eps)
    bias = w.get("cls.predictions.bias", w.get("cls.predictions.decoder.bias"))
    decoder = "embeddings.word_embeddings.weight"
    if not cfg.get("tie_word_embeddings", True):  # BertForMaskedLM then keeps its own decoder weight
        decoder = "cls.predictions.decoder.weight"
    return t @ get(w, decoder).T + bias


def alibi_slopes(n):
    """ALiBi's head slopes (Press et al., "Train Short, Test Long"): for n a power of two the
    geometric sequence starting at, and with ratio, 2^(-8/n); otherwise those of the largest power
    of two p below n, then every other slope of 2p heads (the first, third, ...) up to n."""
    def power_of_two(k):
        start = 2.0 ** (-8.0 / k)
        return [start ** (i + 1) for i in range(k)]
    if n & (n - 1) == 0:
        return power_of_two(n)
    p = 1 << (n.bit_length() - 1)
    return power_of_two(p) + alibi_slopes(2 * p)[0::2][:n - p]


def forward_jina(w, cfg, ids, types, mask, dtype=torch.float32):
    """JinaBertModel / JinaBertForMaskedLM (jina-embeddings-v2; jinaai/jina-bert-implementation):
    BERT with no position embeddings; every layer's scores biased by ALiBi, -slope_h |i - j| (slopes
    as float32, times the distance); the GeGLU MLP: h = x @ gated_layers^T (no bias), gelu(h[..., :I])
    * h[..., I:], then wo and mlp.layernorm(that + x). Returns hidden [B, S, H], logits or None."""
    if cfg.get("feed_forward_type", "geglu") != "geglu":
        raise ValueError(f"feed_forward_type {cfg.get('feed_forward_type')!r}: the reference runs geglu")
    w = {k: v.to(dtype) for k, v in w.items()}
    nh, I = cfg["num_attention_heads"], cfg["intermediate_size"]
    eps = cfg.get("layer_norm_eps", 1e-12)
    S = ids.shape[1]
    x = get(w, "embeddings.word_embeddings.weight")[ids] + get(w, "embeddings.token_type_embeddings.weight")[types]
    x = layer_norm(x, get(w, "embeddings.LayerNorm.weight"), get(w, "embeddings.LayerNorm.bias"), eps)
    pos = torch.arange(S)
    distance = (pos[None, :] - pos[:, None]).abs()  # [S, S]
    alibi = (torch.tensor(alibi_slopes(nh), dtype=torch.float32) * -1)[:, None, None] * distance  # [heads, S, S]
    # the scores' bias: ALiBi's, then the padding mask (the order JinaBertSelfAttention adds them in)
    bias = alibi.to(dtype)[None] + (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lin(p):
        return lambda t: t @ get(w, p + ".weight").T + get(w, p + ".bias")

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        x = attention_block(x, bias, nh, lin(p + "attention.self.query"), lin(p + "attention.self.key"),
                            lin(p + "attention.self.value"), lin(p + "attention.output.dense"),
                            (get(w, p + "attention.output.LayerNorm.weight"),
                             get(w, p + "attention.output.LayerNorm.bias")), eps)
        h = x @ get(w, p + "mlp.gated_layers.weight").T
        y = torch.nn.functional.gelu(h[..., :I]) * h[..., I:]
        x = layer_norm(lin(p + "mlp.wo")(y) + x, get(w, p + "mlp.layernorm.weight"), get(w, p + "mlp.layernorm.bias"),
                       eps)
    return x, bert_mlm_head(w, cfg, x, torch.nn.functional.gelu, eps)


ROBERTA_TYPES = ("roberta", "xlm-roberta", "camembert")


def family(cfg):
    """"bert", "distilbert", "roberta" (also for xlm-roberta and camembert), "albert", "electra",
    "modernbert" or "nomic" (model_type nomic_bert), from config.json's model_type (absent: bert, as before)."""
    kind = cfg.get("model_type", "bert")
    if kind in ROBERTA_TYPES:
        return "roberta"
    if kind == "nomic_bert":
        return "nomic"
    if kind == "bert" and cfg.get("position_embedding_type") == "alibi":
        return "jina"
    if kind not in ("bert", "distilbert", "albert", "electra", "modernbert"):
        raise ValueError(f"model_type {kind!r}: the reference knows bert, distilbert, {', '.join(ROBERTA_TYPES)}, "
                         "albert, electra, modernbert and nomic_bert")
    return kind


def hidden_size(cfg):
    """The encoder's width under each family's config key."""
    kind = family(cfg)
    return cfg["dim"] if kind == "distilbert" else cfg["n_embd"] if kind == "nomic" else cfg["hidden_size"]


def max_positions(cfg):
    """How many positions the model takes (NomicBertConfig's n_positions; 2048, its default, when absent)."""
    kind = family(cfg)
    return cfg.get("n_positions", 2048) if kind == "nomic" else cfg["max_position_embeddings"]


def gelu_tanh(x):
    """transformers' "gelu_new" (NewGELUActivation), the tanh approximation of GELU."""
    return 0.5 * x * (1.0 + torch.tanh((2.0 / torch.pi) ** 0.5 * (x + 0.044715 * torch.pow(x, 3.0))))


def activation(name):
    """ACT2FN[name] for the activations these checkpoints use."""
    if name in ("gelu", "gelu_python"):
        return torch.nn.functional.gelu  # the exact (erf) GELU
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return gelu_tanh
    raise ValueError(f"hidden_act {name!r}: the reference knows gelu and gelu_new")


def prefixed(w, prefix):
    """A lookup of encoder tensors with or without the prefix ("albert.", "electra.")."""
    def enc(name):
        for full in (prefix + name, name):
            if full in w:
                return w[full]
        raise KeyError(prefix + name)
    return enc


def attention_block(x, add_mask, nh, q, k, v, o, ln, eps):
    """Post-norm self-attention: LN(x + softmax(q k^T / sqrt(D) + mask) v Wo). q, k, v, o: Linear
    callables; ln: (weight, bias)."""
    B, S, H = x.shape
    D = H // nh
    qh, kh, vh = (f(x).view(B, S, nh, D).transpose(1, 2) for f in (q, k, v))
    probs = _attention_softmax(qh @ kh.transpose(-1, -2) / (D ** 0.5) + add_mask)
    ctx = (probs @ vh).transpose(1, 2).reshape(B, S, H)
    return layer_norm(o(ctx) + x, ln[0], ln[1], eps)


def forward_albert(w, cfg, ids, types, mask, dtype=torch.float32):
    """AlbertForMaskedLM. ids, types, mask: [B, S]. Returns hidden [B, S, H], logits [B, S, V] or None."""
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("ALBERT with relative position embeddings is not supported")
    w = {k: v.to(dtype) for k, v in w.items()}
    enc = prefixed(w, "albert.")
    act = activation(cfg.get("hidden_act", "gelu_new"))
    H, nh, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    groups, inner = cfg.get("num_hidden_groups", 1), cfg.get("inner_group_num", 1)
    eps = cfg.get("layer_norm_eps", 1e-12)
    B, S = ids.shape
    pos = torch.arange(S).unsqueeze(0).expand(B, S)
    e = enc("embeddings.word_embeddings.weight")[ids] + enc("embeddings.position_embeddings.weight")[pos] \
        + enc("embeddings.token_type_embeddings.weight")[types]
    e = layer_norm(e, enc("embeddings.LayerNorm.weight"), enc("embeddings.LayerNorm.bias"), eps)
    x = e @ enc("encoder.embedding_hidden_mapping_in.weight").T + enc("encoder.embedding_hidden_mapping_in.bias")
    add_mask = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lin(p):
        return lambda t: t @ enc(p + ".weight").T + enc(p + ".bias")

    for i in range(L):
        g = int(i / (L / groups))  # AlbertTransformer: layers_per_group = L / groups
        for j in range(inner):
            p = f"encoder.albert_layer_groups.{g}.albert_layers.{j}."
            a = attention_block(x, add_mask, nh, lin(p + "attention.query"), lin(p + "attention.key"),
                                lin(p + "attention.value"), lin(p + "attention.dense"),
                                (enc(p + "attention.LayerNorm.weight"), enc(p + "attention.LayerNorm.bias")), eps)
            ffn = lin(p + "ffn_output")(act(lin(p + "ffn")(a)))
            x = layer_norm(ffn + a, enc(p + "full_layer_layer_norm.weight"), enc(p + "full_layer_layer_norm.bias"), eps)
    if "predictions.dense.weight" not in w:  # AlbertModel or a classifier: no MLM head
        return x, None
    t = act(x @ w["predictions.dense.weight"].T + w["predictions.dense.bias"])
    t = layer_norm(t, w["predictions.LayerNorm.weight"], w["predictions.LayerNorm.bias"], eps)
    decoder = enc("embeddings.word_embeddings.weight")
    if not cfg.get("tie_word_embeddings", True):
        decoder = w["predictions.decoder.weight"]
    bias = w["predictions.bias"] if "predictions.bias" in w else w["predictions.decoder.bias"]
    return x, t @ decoder.T + bias


def forward_electra(w, cfg, ids, types, mask, dtype=torch.float32):
    """ElectraForMaskedLM (the generator). ids, types, mask: [B, S]. Returns hidden [B, S, H], logits or None."""
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("ELECTRA with relative position embeddings is not supported")
    w = {k: v.to(dtype) for k, v in w.items()}
    enc = prefixed(w, "electra.")
    act = activation(cfg.get("hidden_act", "gelu"))
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    E = cfg.get("embedding_size", 128)
    eps = cfg.get("layer_norm_eps", 1e-12)
    B, S = ids.shape
    pos = torch.arange(S).unsqueeze(0).expand(B, S)
    x = enc("embeddings.word_embeddings.weight")[ids] + enc("embeddings.position_embeddings.weight")[pos] \
        + enc("embeddings.token_type_embeddings.weight")[types]
    x = layer_norm(x, enc("embeddings.LayerNorm.weight"), enc("embeddings.LayerNorm.bias"), eps)
    if E != H:  # ElectraModel has embeddings_project only then
        x = x @ enc("embeddings_project.weight").T + enc("embeddings_project.bias")
    add_mask = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lin(p):
        return lambda t: t @ enc(p + ".weight").T + enc(p + ".bias")

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        x = attention_block(x, add_mask, nh, lin(p + "attention.self.query"), lin(p + "attention.self.key"),
                            lin(p + "attention.self.value"), lin(p + "attention.output.dense"),
                            (enc(p + "attention.output.LayerNorm.weight"), enc(p + "attention.output.LayerNorm.bias")),
                            eps)
        ffn = lin(p + "output.dense")(act(lin(p + "intermediate.dense")(x)))
        x = layer_norm(ffn + x, enc(p + "output.LayerNorm.weight"), enc(p + "output.LayerNorm.bias"), eps)
    if "generator_predictions.dense.weight" not in w:  # ElectraModel or a classifier
        return x, None
    t = torch.nn.functional.gelu(x @ w["generator_predictions.dense.weight"].T + w["generator_predictions.dense.bias"])
    t = layer_norm(t, w["generator_predictions.LayerNorm.weight"], w["generator_predictions.LayerNorm.bias"], eps)
    decoder = enc("embeddings.word_embeddings.weight")
    if not cfg.get("tie_word_embeddings", True):
        decoder = w["generator_lm_head.weight"]
    return x, t @ decoder.T + w["generator_lm_head.bias"]


def class_head(w, cfg, h0, dtype=torch.float32):
    """The sequence-classification head of an ALBERT, ELECTRA or RoBERTa-family checkpoint on the first token's
    hidden states h0 [n, H]: logits [n, labels]."""
    w = {k: v.to(dtype) for k, v in w.items()}
    if family(cfg) == "albert":  # AlbertForSequenceClassification: the pooler (+ tanh), then classifier
        enc = prefixed(w, "albert.")
        x = torch.tanh(h0 @ enc("pooler.weight").T + enc("pooler.bias"))
        return x @ w["classifier.weight"].T + w["classifier.bias"]
    if family(cfg) == "electra":  # ElectraClassificationHead: dense, the exact GELU (not tanh), out_proj
        x = torch.nn.functional.gelu(h0 @ w["classifier.dense.weight"].T + w["classifier.dense.bias"])
        return x @ w["classifier.out_proj.weight"].T + w["classifier.out_proj.bias"]
    if family(cfg) == "roberta":  # RobertaClassificationHead: dense, tanh, out_proj on <s> (no pooler)
        x = torch.tanh(h0 @ w["classifier.dense.weight"].T + w["classifier.dense.bias"])
        return x @ w["classifier.out_proj.weight"].T + w["classifier.out_proj.bias"]
    raise ValueError(f"class_head: {family(cfg)} is not albert, electra or roberta")


def forward_roberta(w, cfg, ids, types, mask, dtype=torch.float32):
    """RobertaForMaskedLM. ids, types, mask: [B, S]. Returns hidden [B, S, H], logits [B, S, V] or None."""
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("RoBERTa with relative position embeddings is not supported")
    act = activation(cfg.get("hidden_act", "gelu"))  # the layers'; RobertaLMHead fixes the exact GELU
    w = {k: v.to(dtype) for k, v in w.items()}

    def enc(name):
        for full in ("roberta." + name, name):
            if full in w:
                return w[full]
        raise KeyError("roberta." + name)

    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    D = H // nh
    eps = cfg.get("layer_norm_eps", 1e-12)
    pad = cfg.get("pad_token_id", 1)
    B, S = ids.shape
    real = (ids != pad).long()
    pos = torch.cumsum(real, dim=1) * real + pad
    x = enc("embeddings.word_embeddings.weight")[ids] + enc("embeddings.position_embeddings.weight")[pos] \
        + enc("embeddings.token_type_embeddings.weight")[types]
    x = layer_norm(x, enc("embeddings.LayerNorm.weight"), enc("embeddings.LayerNorm.bias"), eps)
    add_mask = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lin(t, p):
        return t @ enc(p + ".weight").T + enc(p + ".bias")

    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (lin(x, p + "attention.self." + n).view(B, S, nh, D).transpose(1, 2) for n in ("query", "key", "value"))
        probs = _attention_softmax(q @ k.transpose(-1, -2) / (D ** 0.5) + add_mask)
        ctx = (probs @ v).transpose(1, 2).reshape(B, S, H)
        x = layer_norm(lin(ctx, p + "attention.output.dense") + x, enc(p + "attention.output.LayerNorm.weight"),
                       enc(p + "attention.output.LayerNorm.bias"), eps)
        ffn = lin(act(lin(x, p + "intermediate.dense")), p + "output.dense")
        x = layer_norm(ffn + x, enc(p + "output.LayerNorm.weight"), enc(p + "output.LayerNorm.bias"), eps)
    if "lm_head.dense.weight" not in w:  # RobertaModel or a classifier: no MLM head
        return x, None
    t = torch.nn.functional.gelu(x @ w["lm_head.dense.weight"].T + w["lm_head.dense.bias"])
    t = layer_norm(t, w["lm_head.layer_norm.weight"], w["lm_head.layer_norm.bias"], eps)
    decoder = enc("embeddings.word_embeddings.weight")
    if not cfg.get("tie_word_embeddings", True):
        decoder = w["lm_head.decoder.weight"]
    bias = w["lm_head.bias"] if "lm_head.bias" in w else w["lm_head.decoder.bias"]
    return x, t @ decoder.T + bias


def modernbert_rotary(S, D, theta, dtype):
    """cos, sin [S, D] of ModernBertRotaryEmbedding at positions 0..S-1. inv_freq, the angles and
    their cos/sin are float32 whatever the model's dtype (Hugging Face casts them to it only then):
    at 8192 positions the angles' float32 rounding reaches some 5e-4 radians, more than the tests allow."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
    angles = torch.outer(torch.arange(S).float(), inv_freq)
    emb = torch.cat((angles, angles), dim=-1)  # the two halves of a head share frequency j
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    """(x1, x2) -> (-x2, x1) over the two halves of the last axis (GPT-NeoX's layout, not interleaved)."""
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def modernbert_masks(mask, window, dtype):
    """The additive masks [B, 1, S, S] of ModernBertModel._update_attention_mask: padded keys at
    finfo.min for the global layers; the local layers' also set finfo.min where |query - key| > window."""
    B, S = mask.shape
    fmin = torch.finfo(dtype).min
    global_mask = ((1.0 - mask[:, None, None, :].to(dtype)) * fmin).expand(B, 1, S, S)
    pos = torch.arange(S)
    far = (pos[:, None] - pos[None, :]).abs() > window
    return global_mask, global_mask.masked_fill(far, fmin)


def modernbert_head(w, cfg, h):
    """ModernBertPredictionHead: head.norm(act(head.dense(h))), act classifier_activation (its own
    key, "gelu" when absent as in ModernBertConfig, not hidden_activation). w already in h's dtype."""
    t = h @ w["head.dense.weight"].T
    if cfg.get("classifier_bias", False):
        t = t + w["head.dense.bias"]
    t = activation(cfg.get("classifier_activation", "gelu"))(t)
    bias = w["head.norm.bias"] if cfg.get("norm_bias", False) else None
    return layer_norm(t, w["head.norm.weight"], bias, cfg.get("norm_eps", 1e-5))


def forward_modernbert(w, cfg, ids, types, mask, dtype=torch.float32):
    """ModernBertForMaskedLM. ids, mask: [B, S], right-padded (the positions are 0..S-1 on every row,
    as ModernBertModel gives them without flash attention); types: unused, ModernBERT has none.
    Returns hidden [B, S, H], logits [B, S, V] or None."""
    w = {k: v.to(dtype) for k, v in w.items()}
    enc = prefixed(w, "model.")
    H, nh, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    D = H // nh
    B, S = ids.shape
    eps = cfg.get("norm_eps", 1e-5)  # the config's layer_norm_eps is not read by ModernBERT's code
    act = activation(cfg.get("hidden_activation", "gelu"))
    every = cfg.get("global_attn_every_n_layers", 3)
    global_theta = cfg.get("global_rope_theta", 160000.0)
    local_theta = cfg.get("local_rope_theta", 10000.0)
    if local_theta is None:  # null: the local layers rotate as the global ones
        local_theta = global_theta
    global_mask, local_mask = modernbert_masks(mask, cfg.get("local_attention", 128) // 2, dtype)
    rope = {"global": modernbert_rotary(S, D, global_theta, dtype),
            "local": modernbert_rotary(S, D, local_theta, dtype)}

    def lin(t, p, flag):  # the *_bias flags say whether a Linear has a bias at all
        y = t @ enc(p + ".weight").T
        return y + enc(p + ".bias") if cfg.get(flag, False) else y

    def norm(t, p):
        return layer_norm(t, enc(p + ".weight"), enc(p + ".bias") if cfg.get("norm_bias", False) else None, eps)

    x = norm(enc("embeddings.tok_embeddings.weight")[ids], "embeddings.norm")
    for i in range(L):
        p = f"layers.{i}."
        kind = "global" if i % every == 0 else "local"
        a = x if i == 0 else norm(x, p + "attn_norm")  # layer 0's attn_norm is nn.Identity: the embeddings are normed
        qkv = lin(a, p + "attn.Wqkv", "attention_bias").view(B, S, 3, nh, D).transpose(3, 1)  # [B, nh, 3, S, D]
        q, k, v = qkv.unbind(dim=2)
        cos, sin = rope[kind]
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        scores = (q @ k.transpose(-1, -2)) * D ** -0.5 + (global_mask if kind == "global" else local_mask)
        ctx = (_attention_softmax(scores) @ v).transpose(1, 2).reshape(B, S, H)
        x = x + lin(ctx, p + "attn.Wo", "attention_bias")
        up, gate = lin(norm(x, p + "mlp_norm"), p + "mlp.Wi", "mlp_bias").chunk(2, dim=-1)
        x = x + lin(act(up) * gate, p + "mlp.Wo", "mlp_bias")
    hidden = norm(x, "final_norm")
    if "head.dense.weight" not in w or "classifier.weight" in w:  # ModernBertModel, or a classifier's head.*
        return hidden, None
    decoder = enc("embeddings.tok_embeddings.weight")
    if not cfg.get("tie_word_embeddings", True):
        if "decoder.weight" not in w:
            raise KeyError("decoder.weight (the config says tie_word_embeddings: false)")
        decoder = w["decoder.weight"]
    logits = modernbert_head(w, cfg, hidden) @ decoder.T
    if cfg.get("decoder_bias", True):
        logits = logits + w["decoder.bias"]
    return hidden, logits


def modernbert_class_logits(w, cfg, hidden, mask, dtype=torch.float32):
    """ModernBertForSequenceClassification's logits [B, labels] from the final hidden states [B, S, H]
    and the attention mask [B, S]: classifier(head(pooled)), pooled by classifier_pooling ("cls":
    token 0; "mean": sum(h * mask) / sum(mask), ModernBertConfig's default being "cls"), head the
    prediction head's transform (modernbert_head). classifier is an nn.Linear with a bias whatever
    classifier_bias says (that flag is head.dense's)."""
    w = {k: v.to(dtype) for k, v in w.items()}
    h = torch.as_tensor(hidden).to(dtype)
    m = torch.as_tensor(mask).to(dtype)
    mode = cfg.get("classifier_pooling", "cls")
    if mode == "cls":
        pooled = h[:, 0]
    elif mode == "mean":
        pooled = (h * m.unsqueeze(-1)).sum(dim=1) / m.sum(dim=1, keepdim=True)
    else:
        raise ValueError(f"classifier_pooling {mode!r}: ModernBERT pools cls or mean")
    if "classifier.weight" not in w:
        raise ValueError("no classifier.weight: not a sequence-classification checkpoint")
    return modernbert_head(w, cfg, pooled) @ w["classifier.weight"].T + w["classifier.bias"]


def partial_rotary(x, cos, sin):
    """apply_rotary_emb of NomicBERT's remote code: the first R = cos.shape[-1] dimensions of x [..., S, D]
    rotated (rotate_half over those R), the other D - R as they are."""
    R = cos.shape[-1]
    r = x[..., :R]
    return torch.cat((r * cos + rotate_half(r) * sin, x[..., R:]), dim=-1)


def forward_nomic(w, cfg, ids, types, mask, dtype=torch.float32):
    """NomicBertModel. ids, types, mask: [B, S] (positions 0..S-1 on every row: right padding).
    Returns hidden [B, S, H] and None (no MLM head)."""
    if cfg.get("prenorm", False) or cfg.get("causal", False):
        raise ValueError("NomicBERT with prenorm or causal attention is not supported")
    if cfg.get("activation_function", "gelu") != "swiglu":
        raise ValueError(f"activation_function {cfg.get('activation_function')!r}: the reference runs swiglu")
    if cfg.get("rotary_emb_interleaved", False) or cfg.get("rotary_scaling_factor") is not None \
            or cfg.get("rotary_emb_scale_base") is not None:
        raise ValueError("NomicBERT's interleaved, scaled (dynamic NTK) or xPos rotation is not supported")
    w = {k: v.to(dtype) for k, v in w.items()}
    enc = prefixed(w, "bert.")
    H, nh, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    D = H // nh
    B, S = ids.shape
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    frac = cfg.get("rotary_emb_fraction", 0.0)  # NomicBertConfig's default: position embeddings instead
    R = D * frac
    if not (0 < R <= D) or R != int(R) or int(R) % 2:
        raise ValueError(f"rotary_emb_fraction {frac} of a head of {D}: want an even number of rotated dimensions")
    R = int(R)
    # the same tables as ModernBERT's, over the R rotated dimensions only (NomicBertRotaryEmbedding(dim=R))
    cos, sin = modernbert_rotary(S, R, float(cfg.get("rotary_emb_base", 10000)), dtype)
    add_mask = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def lin(t, p, flag):
        y = t @ enc(p + ".weight").T
        return y + enc(p + ".bias") if cfg.get(flag, True) else y

    x = enc("embeddings.word_embeddings.weight")[ids] + enc("embeddings.token_type_embeddings.weight")[types]
    x = layer_norm(x, enc("emb_ln.weight"), enc("emb_ln.bias"), eps)
    for i in range(L):
        p = f"encoder.layers.{i}."
        qkv = lin(x, p + "attn.Wqkv", "qkv_proj_bias").view(B, S, 3, nh, D).permute(2, 0, 3, 1, 4)  # [3, B, nh, S, D]
        q, k, v = partial_rotary(qkv[0], cos, sin), partial_rotary(qkv[1], cos, sin), qkv[2]
        probs = _attention_softmax(q @ k.transpose(-1, -2) / (D ** 0.5) + add_mask)
        ctx = (probs @ v).transpose(1, 2).reshape(B, S, H)
        x = layer_norm(lin(ctx, p + "attn.out_proj", "qkv_proj_bias") + x, enc(p + "norm1.weight"),
                       enc(p + "norm1.bias"), eps)
        y = lin(x, p + "mlp.fc11", "mlp_fc1_bias") * torch.nn.functional.silu(lin(x, p + "mlp.fc12", "mlp_fc1_bias"))
        x = layer_norm(lin(y, p + "mlp.fc2", "mlp_fc2_bias") + x, enc(p + "norm2.weight"), enc(p + "norm2.bias"), eps)
    return x, None


def get_distil(w, name):
    """A DistilBERT encoder tensor with or without the distilbert. prefix."""
    for full in ("distilbert." + name, name):
        if full in w:
            return w[full]
    raise KeyError(name)


def distil_activation(cfg):
    """get_activation(config.activation): the layers' and the MLM head's."""
    return activation(cfg.get("activation", "gelu"))


def forward_distil(w, cfg, ids, mask, dtype=torch.float32):
    """DistilBertForMaskedLM. ids, mask: [B, S] int tensors. Returns hidden [B, S, dim], logits [B, S, V] or None."""
    # sinusoidal_pos_embds only says how the position table was initialised: the checkpoint stores it
    w = {k: v.to(dtype) for k, v in w.items()}
    H = cfg["dim"]
    nh = cfg["n_heads"]
    D = H // nh
    eps = 1e-12  # DistilBERT's LayerNorms hard-code it; the config has no layer_norm_eps
    act = distil_activation(cfg)
    B, S = ids.shape
    pos = torch.arange(S).unsqueeze(0).expand(B, S)
    x = get_distil(w, "embeddings.word_embeddings.weight")[ids] \
        + get_distil(w, "embeddings.position_embeddings.weight")[pos]
    x = layer_norm(x, get_distil(w, "embeddings.LayerNorm.weight"), get_distil(w, "embeddings.LayerNorm.bias"), eps)
    padded = (mask == 0)[:, None, None, :]

    def lin(t, p):
        return t @ get_distil(w, p + ".weight").T + get_distil(w, p + ".bias")

    for i in range(cfg["n_layers"]):
        p = f"transformer.layer.{i}."
        q = lin(x, p + "attention.q_lin").view(B, S, nh, D).transpose(1, 2) / (D ** 0.5)
        k = lin(x, p + "attention.k_lin").view(B, S, nh, D).transpose(1, 2)
        v = lin(x, p + "attention.v_lin").view(B, S, nh, D).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)).masked_fill(padded, torch.finfo(dtype).min)
        ctx = (_attention_softmax(scores) @ v).transpose(1, 2).reshape(B, S, H)
        x = layer_norm(lin(ctx, p + "attention.out_lin") + x, get_distil(w, p + "sa_layer_norm.weight"),
                       get_distil(w, p + "sa_layer_norm.bias"), eps)
        ffn = lin(act(lin(x, p + "ffn.lin1")), p + "ffn.lin2")
        x = layer_norm(ffn + x, get_distil(w, p + "output_layer_norm.weight"),
                       get_distil(w, p + "output_layer_norm.bias"), eps)
    hidden = x
    if "vocab_transform.weight" not in w:  # DistilBertModel: no MLM head
        return hidden, None
    # the head's names never carry the prefix
    t = act(x @ w["vocab_transform.weight"].T + w["vocab_transform.bias"])
    t = layer_norm(t, w["vocab_layer_norm.weight"], w["vocab_layer_norm.bias"], eps)
    if cfg.get("tie_word_embeddings", True):  # a stored vocab_projector.weight is then only a copy
        projector = get_distil(w, "embeddings.word_embeddings.weight")
    elif "vocab_projector.weight" in w:
        projector = w["vocab_projector.weight"]
    else:
        raise KeyError("vocab_projector.weight (the config says tie_word_embeddings: false)")
    logits = t @ projector.T + w["vocab_projector.bias"]
    return hidden, logits


def run(model_dir, seqs, type_seqs=None, dtype=torch.float32):
    """seqs: list of id lists. Returns (hidden, logits, mask) as float32 numpy, padded to the longest.
    DistilBERT and ModernBERT have no token types: type_seqs must then be None or all zero."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    kind = family(cfg)
    distil = kind == "distilbert"
    if kind in ("distilbert", "modernbert") and type_seqs and any(t for seq in type_seqs for t in seq):
        raise ValueError(f"{'DistilBERT' if distil else 'ModernBERT'} has no token types: --types must be absent "
                         "or all zero")
    w = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    B, S = len(seqs), max(len(s) for s in seqs)
    # padded rows hold the pad id, as Hugging Face's tokenizers pad them (RoBERTa's positions depend on it)
    pad = {"roberta": cfg.get("pad_token_id", 1), "modernbert": cfg.get("pad_token_id", 50283)}.get(kind, 0)
    ids = torch.full((B, S), pad, dtype=torch.long)
    types = torch.zeros(B, S, dtype=torch.long)
    mask = torch.zeros(B, S, dtype=torch.long)
    for b, s in enumerate(seqs):
        ids[b, :len(s)] = torch.tensor(s)
        mask[b, :len(s)] = 1
        if type_seqs:
            types[b, :len(s)] = torch.tensor(type_seqs[b])
    with torch.no_grad():
        if distil:
            hidden, logits = forward_distil(w, cfg, ids, mask, dtype)
        elif kind == "roberta":
            hidden, logits = forward_roberta(w, cfg, ids, types, mask, dtype)
        elif kind == "albert":
            hidden, logits = forward_albert(w, cfg, ids, types, mask, dtype)
        elif kind == "electra":
            hidden, logits = forward_electra(w, cfg, ids, types, mask, dtype)
        elif kind == "modernbert":
            hidden, logits = forward_modernbert(w, cfg, ids, types, mask, dtype)
        elif kind == "nomic":
            hidden, logits = forward_nomic(w, cfg, ids, types, mask, dtype)
        elif kind == "jina":
            hidden, logits = forward_jina(w, cfg, ids, types, mask, dtype)
        else:
            hidden, logits = forward(w, cfg, ids, types, mask, dtype)
    return (hidden.float().numpy(), None if logits is None else logits.float().numpy(), mask.numpy())


def pseudo_log_likelihood(model_dir, ids, special, mask_id, types=None):
    """Masked-LM scoring (Salazar et al. 2020): every position whose id is not in `special` is
    replaced by mask_id in its own copy of `ids`; the sum over those positions of the natural
    log-softmax of the true id there. Returns (pll, tokens scored); the copies run as one batch."""
    positions = [i for i, t in enumerate(ids) if t not in special]
    if not positions:
        raise ValueError("no token to score")
    copies = []
    for i in positions:
        c = list(ids)
        c[i] = mask_id
        copies.append(c)
    _, logits, _ = run(model_dir, copies, None if types is None else [types] * len(copies))
    total = 0.0
    for b, i in enumerate(positions):
        row = torch.from_numpy(logits[b, i]).double()
        total += float(torch.log_softmax(row, dim=-1)[ids[i]])
    return total, len(positions)


def attention_probs(model_dir, ids, types=None):
    """Every layer's attention probabilities for one sequence: a list of [heads, S, S] numpy arrays."""
    global _ATTENTION_RECORD
    _ATTENTION_RECORD = []
    try:
        run(model_dir, [ids], None if types is None else [types])
        return [p[0].numpy() for p in _ATTENTION_RECORD]
    finally:
        _ATTENTION_RECORD = None


def token_head(model_dir, seqs, type_seqs=None, dtype=torch.float32):
    """The per-token head of a *ForTokenClassification or *ForQuestionAnswering checkpoint on the
    encoder's final hidden states (BERT, DistilBERT, RoBERTa and kin: dropout is the identity at
    inference; ModernBERT's run its head.dense/act/head.norm before):
    classifier.weight/bias [labels, H] when config.json's architectures names a
    *ForTokenClassification class, else qa_outputs.weight/bias [2, H] (start, end logits; ModernBERT's
    classifier [2, H]). Returns
    one [len(seq), n] float32 numpy array per sequence."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    w = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    token = any(a.endswith("ForTokenClassification") for a in cfg.get("architectures") or [])
    # ModernBertForQuestionAnswering calls its start/end Linear classifier, as the token classifiers do
    name = "classifier" if token or (family(cfg) == "modernbert" and "qa_outputs.weight" not in w) else "qa_outputs"
    if name + ".weight" not in w:
        raise KeyError(f"{name}.weight (the checkpoint has no {'token-classification' if token else 'QA'} head)")
    hidden, _, _ = run(model_dir, seqs, type_seqs, dtype)
    W, b = w[name + ".weight"].to(dtype), w[name + ".bias"].to(dtype)
    modern = family(cfg) == "modernbert"
    head_w = {k: v.to(dtype) for k, v in w.items() if k.startswith("head.")} if modern else None
    out = []
    for i, s in enumerate(seqs):
        h = torch.from_numpy(hidden[i, :len(s)]).to(dtype)
        if modern:  # ModernBertForTokenClassification and -QuestionAnswering: the prediction head first
            h = modernbert_head(head_w, cfg, h)
        out.append((h @ W.T + b).float().numpy())
    return out


def parse_lists(text):
    return [[int(v) for v in part.split(",") if v.strip()] for part in text.split(";")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True, help="comma-separated ids; ';' separates sequences")
    ap.add_argument("--types", help="token type ids, same layout as --ids (DistilBERT, ModernBERT: none, or all zero)")
    ap.add_argument("--hidden", help="write hidden states .npy ([tokens, H] for one sequence)")
    ap.add_argument("--logits", help="write logits .npy ([tokens, V] for one sequence)")
    ap.add_argument("--topk", type=int, default=0, help="print top-k for every position whose id is 103 ([MASK])")
    ap.add_argument("--mask-id", type=int, default=103)
    ap.add_argument("--double", action="store_true", help="compute in float64")
    ap.add_argument("--token-logits", help="write the per-token head's logits .npy ([tokens, n] for one sequence): "
                    "the token classifier, or qa_outputs' start and end")
    args = ap.parse_args()
    seqs = parse_lists(args.ids)
    types = parse_lists(args.types) if args.types else None
    try:
        hidden, logits, _ = run(args.model, seqs, types, torch.float64 if args.double else torch.float32)
    except (ValueError, KeyError) as e:
        sys.exit(f"reference.py: {args.model}: {e}")
    one = len(seqs) == 1
    if args.token_logits:
        try:
            heads = token_head(args.model, seqs, types, torch.float64 if args.double else torch.float32)
        except (ValueError, KeyError) as e:
            sys.exit(f"reference.py: {args.model}: {e}")
        np.save(args.token_logits, heads[0] if one else np.array(heads, dtype=object), allow_pickle=not one)
    if args.topk and logits is None:
        sys.exit(f"reference.py: {args.model}: --topk needs an MLM head, and this model has none")
    if args.hidden:
        np.save(args.hidden, hidden[0] if one else hidden)
    if args.logits and logits is not None:
        np.save(args.logits, logits[0] if one else logits)
    if args.topk:
        masks = []
        for b, s in enumerate(seqs):
            for p, i in enumerate(s):
                if i == args.mask_id:
                    row = torch.from_numpy(logits[b, p]).double()
                    prob = torch.softmax(row, dim=0)
                    top = torch.topk(row, args.topk)
                    masks.append({"sequence": b, "position": p, "predictions": [
                        {"id": int(t), "probability": float(prob[t]), "logit": float(row[t])} for t in top.indices]})
        json.dump({"masks": masks}, sys.stdout)
        print()


if __name__ == "__main__":
    main()
