"""Ports of other libraries' schedules, keeping their names, argument names and defaults."""

from . import hf as hf
from . import keras as keras
from . import optax as optax
from . import sambaflow as sambaflow
from . import timm as timm
from . import torch as torch
