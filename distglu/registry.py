"""A name -> class registry: the ``register`` / ``alias`` / create-by-name machinery
shared by ``distglu.initializer`` and ``distglu.metric``.

Names are case-insensitive (stored lower case). Each module keeps its own public
``register``, ``alias`` and ``create`` (MXNet's names and messages) and calls into one
``Registry`` for the bookkeeping and the errors; ``kind`` ('initializer', 'metric')
and ``error`` (the module's DistGluError subclass) word the messages.
"""
import warnings


class Registry:
    """Classes by lower-case name, for one kind of object."""

    def __init__(self, kind, error):
        self.kind = kind
        self.error = error
        self._classes = {}

    def register(self, klass, base, name=None):
        """Register ``klass`` (a subclass of ``base``) under ``name`` (default: its class
        name), warning when it replaces a different class."""
        if not (isinstance(klass, type) and issubclass(klass, base)):
            raise self.error("register: can only register subclasses of %s, got %r"
                             % (base.__name__, klass))
        key = (klass.__name__ if name is None else name).lower()
        old = self._classes.get(key)
        if old is not None and old is not klass:
            # stacklevel 3: the line that called the module's register (or alias decorator)
            warnings.warn("New %s %s.%s registered with name %s is overriding existing "
                          "%s %s.%s" % (self.kind, klass.__module__, klass.__name__, key,
                                        self.kind, old.__module__, old.__name__),
                          UserWarning, stacklevel=3)
        self._classes[key] = klass
        return klass

    def alias(self, base, *aliases):
        """A decorator registering a subclass of ``base`` under every name of ``aliases``."""
        def reg(klass):
            for name in aliases:
                self.register(klass, base, name)
            return klass
        return reg

    def get(self, name):
        """The class registered as ``name`` (any case); an error listing the known names."""
        key = name.lower()
        klass = self._classes.get(key)
        if klass is None:
            raise _as_assertion(self.error)("%s is not registered. Please register with %s.register first "
                             "(registered: %s)"
                             % (key, self.kind, ', '.join(sorted(self._classes))))
        return klass


_ASSERTION_VARIANTS = {}


def _as_assertion(cls):
    """``cls`` that is also an AssertionError: MXNet asserts when a name is not registered,
    so ``except AssertionError`` must catch the lookup error as well as ``except cls``."""
    sub = _ASSERTION_VARIANTS.get(cls)
    if sub is None:
        sub = type(cls.__name__, (cls, AssertionError), {'__module__': cls.__module__})
        _ASSERTION_VARIANTS[cls] = sub
    return sub
