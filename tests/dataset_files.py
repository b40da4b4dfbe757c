"""Small MovieLens-shaped datasets the tests write themselves, one writer per format."""

from pathlib import Path

MOVIES = [
    ("1", "Toy Story (1995)", ["Animation", "Children's", "Comedy"]),
    ("2", "Heat (1995)", ["Action", "Crime", "Thriller"]),
    ("3", "Alien (1979)", ["Horror", "Sci-Fi"]),
    ("4", "Amélie (2001)", ["Comedy", "Romance"]),
]
RATINGS = [
    ("1", "1", "4.0", "964982703"),
    ("1", "3", "5.0", "964981247"),
    ("2", "1", "3.5", "964982224"),
    ("2", "2", "0.5", "964983815"),
    ("3", "4", "4.5", "964982931"),
]
RATINGS_WHOLE = [(u, i, str(max(1, int(float(r)))), t) for u, i, r, t in RATINGS]  # formats with 1-5 stars only


def write_csv(directory: Path, *, movies=MOVIES, ratings=RATINGS, tags=None, links=None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["movieId,title,genres"] + [f'{i},"{t}",{"|".join(g) or "(no genres listed)"}' for i, t, g in movies]
    (directory / "movies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["userId,movieId,rating,timestamp"] + [",".join(row) for row in ratings]
    (directory / "ratings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if tags is not None:
        lines = ["userId,movieId,tag,timestamp"] + [f'{u},{i},"{tag}",1' for u, i, tag in tags]
        (directory / "tags.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if links is not None:
        lines = ["movieId,imdbId,tmdbId"] + [",".join(row) for row in links]
        (directory / "links.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def write_ml100k(directory: Path, *, movies=MOVIES, ratings=RATINGS_WHOLE) -> Path:
    """u.item is Latin-1, as in the real release."""
    directory.mkdir(parents=True, exist_ok=True)
    genres = ["unknown", "Action", "Animation", "Children's", "Comedy", "Crime", "Horror", "Romance", "Sci-Fi"]
    genres += ["Thriller"]
    (directory / "u.genre").write_text("".join(f"{g}|{n}\n" for n, g in enumerate(genres)), encoding="latin-1")
    lines = []
    for movie_id, title, movie_genres in movies:
        flags = "|".join("1" if g in movie_genres else "0" for g in genres)
        lines.append(f"{movie_id}|{title}|01-Jan-1995||http://us.imdb.com/M/title-exact?{movie_id}|{flags}")
    (directory / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    (directory / "u.data").write_text("".join("\t".join(row) + "\n" for row in ratings), encoding="ascii")
    return directory


def write_ml1m(directory: Path, *, movies=MOVIES, ratings=RATINGS_WHOLE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"{i}::{t}::{'|'.join(g)}" for i, t, g in movies]
    (directory / "movies.dat").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    (directory / "ratings.dat").write_text("".join("::".join(row) + "\n" for row in ratings), encoding="ascii")
    return directory


def write_recbole(directory: Path, *, name="tiny", movies=MOVIES, ratings=RATINGS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq"]
    for movie_id, title, genres in movies:
        bare, _, year = title.rpartition(" (")
        lines.append(f"{movie_id}\t{bare}\t{year.rstrip(')')}\t{' '.join(genres)}")
    (directory / f"{name}.item").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["user_id:token\titem_id:token\trating:float\ttimestamp:float"] + ["\t".join(row) for row in ratings]
    (directory / f"{name}.inter").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory
