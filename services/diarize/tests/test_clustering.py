"""The spectral clustering step on its own: counts from the eigengap, small groups survive."""

from __future__ import annotations

import numpy as np
import pytest
from secretary_diarize import clustering
from secretary_diarize.clustering import (
    SpectralClustering,
    eigengap_count,
    laplacian_spectrum,
    merge_similar_clusters,
    neighbour_count,
    pruned_affinity,
    smallest_laplacian_spectrum,
    sparse_pruned_affinity,
    spectral_labels,
)


def voices(sizes: list[int], spread: float = 0.35, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of people who speak for different lengths: one direction each, with noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(sizes), 192))
    points, labels = [], []
    for person, size in enumerate(sizes):
        points.append(
            centres[person] + spread * np.sqrt(192) / 10 * rng.standard_normal((size, 192))
        )
        labels += [person] * size
    return np.vstack(points), np.array(labels)


def agreement(found: np.ndarray, truth: np.ndarray) -> float:
    """Share of pairs on which the two labellings agree (same group or not)."""
    same_found = found[:, None] == found[None, :]
    same_truth = truth[:, None] == truth[None, :]
    return float((same_found == same_truth).mean())


@pytest.mark.parametrize("sizes", [[40, 35], [30, 12, 25], [20, 8, 30, 6, 15], [10] * 8])
def test_the_eigengap_finds_how_many_people_there_are(sizes: list[int]) -> None:
    embeddings, truth = voices(sizes)
    labels = spectral_labels(embeddings, neighbours=neighbour_count(len(embeddings), 0.05, 6))
    assert len(np.unique(labels)) == len(sizes)
    assert agreement(labels, truth) > 0.99


def test_bounds_and_a_given_count_are_honoured() -> None:
    embeddings, _ = voices([30, 30, 30])
    assert len(np.unique(spectral_labels(embeddings, num_clusters=2))) == 2
    assert len(np.unique(spectral_labels(embeddings, min_clusters=4))) == 4
    assert len(np.unique(spectral_labels(embeddings, max_clusters=2))) == 2
    values = np.array([0.0, 0.01, 0.02, 0.9, 0.95, 1.0])
    assert eigengap_count(values, 1, 5) == 3


def test_a_long_recording_s_sparse_graph_is_the_dense_one_and_clusters_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    embeddings, truth = voices([60, 25, 40, 12])
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    neighbours = neighbour_count(len(unit), 0.05, 6)
    dense = pruned_affinity(unit @ unit.T, neighbours)
    graph = sparse_pruned_affinity(unit, neighbours, block_rows=50)
    np.testing.assert_allclose(graph.toarray(), dense, atol=1e-12)
    dense_values, _ = laplacian_spectrum(dense)
    sparse_values, _ = smallest_laplacian_spectrum(graph, 8)
    np.testing.assert_allclose(sparse_values, dense_values[:8], atol=1e-8)

    everywhere_dense = spectral_labels(embeddings, neighbours=neighbours)
    monkeypatch.setattr(clustering, "SPARSE_FROM", 0)
    everywhere_sparse = spectral_labels(embeddings, neighbours=neighbours)
    assert len(np.unique(everywhere_sparse)) == 4
    assert agreement(everywhere_sparse, everywhere_dense) == 1.0
    assert agreement(everywhere_sparse, truth) > 0.99
    assert len(np.unique(spectral_labels(embeddings, num_clusters=6))) == 6


def test_one_voice_split_in_two_is_merged_back() -> None:
    embeddings, _ = voices([40])
    split = np.array([0] * 20 + [1] * 20)
    assert len(np.unique(merge_similar_clusters(embeddings, split, 0.5))) == 1
    two, _ = voices([20, 20])
    assert len(np.unique(merge_similar_clusters(two, split, 0.5))) == 2


def test_as_a_pyannote_clustering_step() -> None:
    embeddings, truth = voices([25, 9, 30])
    clustering = SpectralClustering()
    labels = clustering.cluster(embeddings.copy())
    assert agreement(labels, truth) > 0.99
    assert len(np.unique(clustering.cluster(embeddings.copy(), num_clusters=2))) == 2


def test_a_voice_is_the_centre_of_its_embeddings_without_the_odd_ones() -> None:
    from secretary_diarize.clustering import robust_centroid

    rng = np.random.default_rng(3)
    voice = np.zeros(16)
    voice[0] = 1.0
    close = voice + 0.05 * rng.standard_normal((40, 16))
    odd = -voice + 0.05 * rng.standard_normal((8, 16))  # a laugh, a cough, a word overlapped
    silent = np.full((3, 16), np.nan)  # local speakers that said nothing
    centre = robust_centroid(np.vstack([close, odd, silent]))
    plain = np.vstack([close, odd]).mean(axis=0)
    assert abs(np.linalg.norm(centre) - 1.0) < 1e-9
    assert centre @ voice > 0.99
    assert centre @ voice > plain @ voice / np.linalg.norm(plain)
    assert not np.any(robust_centroid(silent))
