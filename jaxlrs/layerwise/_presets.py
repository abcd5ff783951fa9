"""Named depth rules for the parameter layouts people fine-tune (see the README's table).

Block rules come first in every preset, so a parameter inside a block (``blocks/3/attn/pos_emb``)
is never taken for an embedding or a head by its name. Head and embedding names are matched only
where they cannot be inside a block.
"""

from __future__ import annotations

from ._rules import Rule

# nnx models: blocks are a list at the top, possibly under a wrapper (mamba2-jax: backbone/).
_W = r"^(?:(?:backbone|model|base_model|encoder|body|trunk|features)/)*"

PRESETS: dict[str, list[Rule]] = {
    # Hugging Face Flax encoders: BERT, RoBERTa (XLM-RoBERTa, RoBERTa-PreLayerNorm), BigBird,
    # ELECTRA, BEiT, ViT (encoder/layer/{i}), DistilBERT (transformer/layer/{i}), ALBERT
    # (albert_layer_groups/{g}/albert_layers/{i}), with their pooler, classification, token
    # classification, multiple choice, QA, MLM, causal LM and pretraining heads.
    "bert": [
        Rule(r"(^|/)encoder/layers?/(\d+)(?:/|$)", "block"),
        Rule(r"(^|/)transformer/layer/(\d+)(?:/|$)", "block"),
        Rule(r"(^|/)albert_layer_groups/(\d+)/albert_layers/(\d+)(?:/|$)", "block"),
        Rule(r"(^|/)(embeddings|embeddings_project|embedding_hidden_mapping_in)(/|$)", 0),
        Rule(r"(^|/)(pooler|classifier|pre_classifier|qa_outputs|qa_classifier|cls|lm_head"
             r"|layernorm|predictions|sequence_summary|vocab_transform|vocab_layer_norm"
             r"|vocab_projector|generator_predictions|generator_lm_head"
             r"|discriminator_predictions)(/|$)", "head"),
        # RoBERTa-PreLayerNorm's norm after the last block.
        Rule(r"(^|/)roberta_prelayernorm/LayerNorm/|^LayerNorm/", "head"),
        # BEiT's shared relative position bias (use_shared_relative_position_bias, the layout of
        # its self-supervised checkpoints), added in every block: BEiT's own fine-tuning code
        # (optim_factory, rel_pos_bias -> num_max_layer - 1) gives it the head's layer id, so it
        # has the head's depth (timm's group_matcher puts it with the stem instead: depth 0).
        Rule(r"(^|/)encoder/relative_position_bias/", "head"),
    ],
    # Hugging Face Flax GPT-2 (also GPT-Neo, GPT-J): wte, wpe, h/{i}, ln_f, lm_head.
    "gpt2": [
        Rule(r"(^|/)h/(\d+)(?:/|$)", "block"),
        Rule(r"(^|/)(wte|wpe)/", 0),
        Rule(r"(^|/)(ln_f|lm_head|score)/", "head"),
    ],
    # Hugging Face Flax T5 (also mT5, LongT5): shared embedding, encoder blocks, then decoder
    # blocks after them; the encoder's final norm goes with its top block.
    "t5": [
        Rule(r"(^|/)encoder/block/(\d+)(?:/|$)", ("block", 0)),
        Rule(r"(^|/)decoder/block/(\d+)(?:/|$)", ("block", 1)),
        Rule(r"(^|/)(shared|embed_tokens)/", 0),
        Rule(r"(^|/)encoder/final_layer_norm/", ("last", 0)),
        Rule(r"(^|/)(decoder/final_layer_norm|lm_head)/", "head"),
    ],
    # big_vision / scenic ViT: embedding, pos_embedding, cls, encoderblock_{i}, head.
    "vit": [
        Rule(r"encoderblock_(\d+)(?:/|$)", "block"),
        Rule(r"(^|/)(embedding|pos_embedding|cls|posembed_input)(/|$)", 0),
        Rule(r"(^|/)(encoder_norm|head|pre_logits)(/|$)", "head"),
    ],
    # linen ResNets named as in the Flax ImageNet example: conv_init, bn_init, ResNetBlock_{i}
    # (numbered across stages), Dense_0.
    "resnet": [
        Rule(r"^\w*Block_(\d+)(?:/|$)", "block"),
        Rule(r"^(conv_init|bn_init)/", 0),
        Rule(r"^(Dense_0|head|fc)/", "head"),
    ],
    # flax.nnx models: flat lists (layers/{i}, blocks/{i}) or nested ones (stages/{i}/blocks/{j},
    # levels/{i}/blocks/{j}; MambaVision/FasterViT levels downsample after their blocks, ConvNeXt
    # stages before). nnx.Sequential heads and stems (head/layers/0) are not blocks.
    "nnx": [
        Rule(_W + r"(?:stages|levels|layers)/(\d+)/blocks/(\d+)(?:/|$)", "block"),
        Rule(_W + r"levels/(\d+)(?:/|$)", "last"),
        Rule(_W + r"stages/(\d+)(?:/|$)", "first"),
        Rule(_W + r"(?:layers|blocks)/(\d+)(?:/|$)", "block"),
        Rule(_W + r"(embed\w*|patch\w*|pos\w*|cls\w*|tok\w*|stem\w*|wte|wpe|norm_pre|ln_pre"
             r"|pre_norm)(/|$)", 0),
        Rule(_W + r"(head\w*|norm\w*|final_norm|ln_f|classifier|pooler|lm_head)(/|$)", "head"),
        Rule(_W + r"out\w*(/|$)", "head", fallback=True),
    ],
}
