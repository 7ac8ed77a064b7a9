"""linkding's search language: parsed into a tree (`parser`), compiled to SQL (`compiler`)."""

from .compiler import compile_search
from .parser import And, Keyword, Not, Or, SearchSyntaxError, Tag, Term, parse

__all__ = [
    "And",
    "Keyword",
    "Not",
    "Or",
    "SearchSyntaxError",
    "Tag",
    "Term",
    "compile_search",
    "parse",
]
