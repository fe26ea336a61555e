"""The retrieve stage: dense passages and sentences (Chroma) and BM25, fused by RRF."""
