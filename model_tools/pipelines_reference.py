#!/usr/bin/python3
"""The post-processing of transformers' token-classification and question-answering pipelines,
written out in plain numpy from their definitions (pipelines/token_classification.py and
pipelines/question_answering.py, transformers 4.5x): the test oracle for vkbert_runner_ner and
vkbert_runner_qa. It shares no code with the runtime. The tokenizer's part (ids, offsets in code
points, special-tokens mask, word ids, the overflowing windows of a long context, and
convert_tokens_to_string) comes from Hugging Face's own tokenizers (model_tools/pipeline_rpc.mjs);
the logits from model_tools/reference.py.

token_classification(enc, logits, id2label, aggregation, ignore_labels, decode, sentence, word_aware,
                     unk_id) -> the list of entities
question_answering(windows, logits_per_window, context, top_k, max_answer_len, handle_impossible,
                   cls_id) -> the list of answers (also for top_k 1)
"""
import numpy as np


# ---- token classification -------------------------------------------------------------------

def softmax_rows(logits):
    maxes = np.max(logits, axis=-1, keepdims=True)
    shifted_exp = np.exp(logits - maxes)
    return shifted_exp / shifted_exp.sum(axis=-1, keepdims=True)


def gather_pre_entities(sentence, enc, scores, word_aware, unk_id):
    pre = []
    for idx, token_scores in enumerate(scores):
        if enc["special_tokens_mask"][idx]:
            continue
        word = enc["tokens"][idx]
        start, end = enc["offsets"][idx]
        word_ref = sentence[start:end]
        if word_aware:  # the model has a continuing_subword_prefix ("##")
            is_subword = len(word) != len(word_ref)
        else:
            is_subword = start > 0 and " " not in sentence[start - 1:start + 1]
        if enc["input_ids"][idx] == unk_id:
            word = word_ref
            is_subword = False
        pre.append({"word": word, "scores": token_scores, "start": start, "end": end, "index": idx,
                    "is_subword": is_subword})
    return pre


def aggregate_word(entities, strategy, id2label, decode):
    word = decode([e["word"] for e in entities])
    if strategy == "first":
        scores = entities[0]["scores"]
        idx = scores.argmax()
        score = scores[idx]
    elif strategy == "max":
        best = max(entities, key=lambda e: e["scores"].max())
        scores = best["scores"]
        idx = scores.argmax()
        score = scores[idx]
    elif strategy == "average":
        scores = np.nanmean(np.stack([e["scores"] for e in entities]), axis=0)
        idx = scores.argmax()
        score = scores[idx]
    else:
        raise ValueError(strategy)
    return {"entity": id2label[int(idx)], "score": score, "word": word, "start": entities[0]["start"],
            "end": entities[-1]["end"]}


def aggregate_words(entities, strategy, id2label, decode):
    out, group = [], None
    for e in entities:
        if group is None:
            group = [e]
        elif e["is_subword"]:
            group.append(e)
        else:
            out.append(aggregate_word(group, strategy, id2label, decode))
            group = [e]
    if group is not None:
        out.append(aggregate_word(group, strategy, id2label, decode))
    return out


def get_tag(name):
    if name.startswith("B-"):
        return "B", name[2:]
    if name.startswith("I-"):
        return "I", name[2:]
    return "I", name


def group_sub_entities(entities, decode):
    label = entities[0]["entity"].split("-", 1)[-1]
    scores = np.nanmean([e["score"] for e in entities])
    return {"entity_group": label, "score": np.mean(scores), "word": decode([e["word"] for e in entities]),
            "start": entities[0]["start"], "end": entities[-1]["end"]}


def group_entities(entities, decode):
    groups, current = [], []
    for e in entities:
        if not current:
            current.append(e)
            continue
        bi, tag = get_tag(e["entity"])
        last_bi, last_tag = get_tag(current[-1]["entity"])
        if tag == last_tag and bi != "B":
            current.append(e)
        else:
            groups.append(group_sub_entities(current, decode))
            current = [e]
    if current:
        groups.append(group_sub_entities(current, decode))
    return groups


def token_classification(enc, logits, id2label, aggregation, ignore_labels, decode, sentence, word_aware, unk_id):
    """enc: the tokenizer's encoding of `sentence` (input_ids, tokens, offsets in code points,
    special_tokens_mask); logits [tokens, labels] float32."""
    if ignore_labels is None:
        ignore_labels = ["O"]
    scores = softmax_rows(np.asarray(logits, dtype=np.float32))
    pre = gather_pre_entities(sentence, enc, scores, word_aware, unk_id)
    if aggregation in ("none", "simple"):
        entities = []
        for p in pre:
            idx = p["scores"].argmax()
            entities.append({"entity": id2label[int(idx)], "score": p["scores"][idx], "index": p["index"],
                             "word": p["word"], "start": p["start"], "end": p["end"]})
    else:
        entities = aggregate_words(pre, aggregation, id2label, decode)
    if aggregation != "none":
        entities = group_entities(entities, decode)
    out = [e for e in entities if e.get("entity") not in ignore_labels and e.get("entity_group") not in ignore_labels]
    for e in out:
        e["score"] = float(e["score"])
    return out


# ---- question answering ---------------------------------------------------------------------

def decode_spans(start, end, topk, max_answer_len, undesired_tokens):
    if start.ndim == 1:
        start = start[None]
    if end.ndim == 1:
        end = end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    desired = np.isin(starts, undesired_tokens.nonzero()) & np.isin(ends, undesired_tokens.nonzero())
    starts, ends = starts[desired], ends[desired]
    return starts, ends, candidates[0, starts, ends]


def select_starts_ends(start, end, p_mask, attention_mask, min_null_score, top_k, handle_impossible, max_answer_len):
    undesired_tokens = np.abs(np.array(p_mask) - 1)
    if attention_mask is not None:
        undesired_tokens = undesired_tokens & attention_mask
    undesired_tokens_mask = undesired_tokens == 0.0
    start = np.where(undesired_tokens_mask, -10000.0, start)
    end = np.where(undesired_tokens_mask, -10000.0, end)
    start = np.exp(start - start.max(axis=-1, keepdims=True))
    start = start / start.sum()
    end = np.exp(end - end.max(axis=-1, keepdims=True))
    end = end / end.sum()
    if handle_impossible:
        min_null_score = min(min_null_score, (start[0, 0] * end[0, 0]).item())
    start[0, 0] = end[0, 0] = 0.0
    starts, ends, scores = decode_spans(start, end, top_k, max_answer_len, undesired_tokens)
    return starts, ends, scores, min_null_score


def word_to_chars(win, word, seq):
    """Encoding.word_to_chars(word, sequence_index=seq): the first and last token of that word."""
    toks = [i for i, (w, s) in enumerate(zip(win["word_ids"], win["sequence_ids"])) if w == word and s == seq]
    return win["offsets"][toks[0]][0], win["offsets"][toks[-1]][1]


def get_indices(win, s, e):
    try:
        sw, ew = win["word_ids"][s], win["word_ids"][e]
        if sw is None or ew is None:
            raise ValueError("no word")
        return word_to_chars(win, sw, 1)[0], word_to_chars(win, ew, 1)[1]
    except (ValueError, IndexError):
        return win["offsets"][s][0], win["offsets"][e][1]


def question_answering(windows, logits, context, top_k=1, max_answer_len=15, handle_impossible=False, cls_id=None):
    """windows: the tokenizer's encodings of (question, context) with only_second truncation and
    overflowing tokens (input_ids, offsets in code points, sequence_ids, word_ids); logits: per
    window [tokens, 2] float32 (start, end)."""
    min_null_score = 1000000
    answers = []
    for win, lg in zip(windows, logits):
        lg = np.asarray(lg, dtype=np.float32)
        p_mask = [tok != 1 for tok in win["sequence_ids"]]
        if cls_id is not None:
            for i, t in enumerate(win["input_ids"]):
                if t == cls_id:
                    p_mask[i] = 0
        attention = np.ones((1, len(win["input_ids"])), dtype=np.int64)
        starts, ends, scores, min_null_score = select_starts_ends(
            lg[None, :, 0], lg[None, :, 1], np.asarray(p_mask, dtype=np.int64), attention, min_null_score, top_k,
            handle_impossible, max_answer_len)
        for s, e, score in zip(starts, ends, scores):
            a, b = get_indices(win, int(s), int(e))
            target = context[a:b]
            same = next((x for x in answers if x["answer"].lower() == target.lower()), None)
            if same:
                same["score"] += score.item()
            else:
                answers.append({"score": score.item(), "start": a, "end": b, "answer": target})
    if handle_impossible:
        answers.append({"score": min_null_score, "start": 0, "end": 0, "answer": ""})
    return sorted(answers, key=lambda x: x["score"], reverse=True)[:top_k]
