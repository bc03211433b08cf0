"""LARS and LBSGD (``mx.optimizer.LARS``, ``mx.optimizer.LBSGD``) against values recorded
from MXNet 1.9.1 and against NumPy references: layer-wise rates, excluded names, weight
decay rules, multipliers, momentum correction, warmup strategies, gradient accumulation,
multi-precision, the Updater and gluon.Trainer."""
import math
import pickle
import types
import warnings

import numpy as np
import pytest

import distglu as mx
from distglu import autograd, gluon, nd
from distglu.base import DistGluError

# Inputs: parameters of different shapes and names (index 5 starts at zero: no LARS scaling)
_rng = np.random.RandomState(0)
SHAPES = [(3, 4), (3,), (4,), (4,), (2, 3), (5,)]
NAMES = {0: 'fc_weight', 1: 'fc_bias', 2: 'bn_gamma', 3: 'bn_beta', 4: 'conv_weight', 5: 'other'}
W0 = [np.round(_rng.uniform(-2, 2, s), 3).astype(np.float32) for s in SHAPES]
W0[5][:] = 0
GS = [[np.round(_rng.uniform(-3, 3, s), 3).astype(np.float32) for s in SHAPES] for _ in range(6)]
KW = dict(learning_rate=0.1, wd=0.05, rescale_grad=0.5, clip_gradient=1.0)

# (optimizer, arguments, steps, dtype, param_idx2name given, one Updater call for all indices)
CASES = {
    'lars_mom': ('lars', dict(KW, momentum=0.9, eta=0.01, eps=1e-3), 3, 'float32', True, True),
    'lars_plain': ('lars', dict(KW, eta=0.02), 3, 'float32', True, True),
    'lars_noidx': ('lars', dict(KW, momentum=0.9, eta=0.01), 3, 'float32', False, True),
    'lars_defaults': ('lars', dict(momentum=0.9), 3, 'float32', False, True),
    'lars_noclip': ('lars', dict(learning_rate=0.1, wd=0.01, rescale_grad=2.0, momentum=0.5,
                                 eta=0.05), 3, 'float32', True, True),
    'lars_fp16': ('lars', dict(KW, momentum=0.9, eta=0.01, multi_precision=True), 3, 'float16',
                  True, True),
    'lars_fp16_nomom': ('lars', dict(KW, eta=0.01, multi_precision=True), 3, 'float16', True,
                        True),
    'lbsgd_mom': ('lbsgd', dict(KW, momentum=0.9), 3, 'float32', True, False),
    'lbsgd_plain': ('lbsgd', dict(KW), 3, 'float32', True, False),
    'lbsgd_bs3_begin': ('lbsgd', dict(KW, momentum=0.5, batch_scale=3, warmup_epochs=4,
                                      updates_per_epoch=2, begin_epoch=1), 6, 'float32', True,
                        False),
    'lbsgd_lars1': ('lbsgd', dict(KW, warmup_strategy='lars'), 3, 'float32', True, False),
    'lbsgd_fp16': ('lbsgd', dict(KW, momentum=0.9, multi_precision=True, batch_scale=2,
                                 warmup_epochs=1, updates_per_epoch=3), 4, 'float16', True, False),
}
for _s in ('linear', 'power2', 'sqrt', 'lars', 'other'):
    CASES['lbsgd_bs2_' + _s] = ('lbsgd', dict(KW, momentum=0.9, batch_scale=2, warmup_epochs=2,
                                              updates_per_epoch=2, warmup_strategy=_s),
                                6, 'float32', True, False)

# Weights (and some states) after those updates, recorded with MXNet 1.9.1 (the same code
# with `import mxnet as mx`: mx.optimizer.get_updater(opt) fed the gradients GS)
MX = {
    'lars_mom': {'w': [[0.19551486, 0.86027223, 0.4091714, 0.17886356, -0.30958271, 0.58158433,
        -0.24898323, 1.5676196, 1.8539827, -0.46252808, 1.1655871, 0.11668479], [0.51708901,
        2.05288, -1.4760016], [-1.674286, -2.1140454, 1.455874, 0.761195], [1.9405999,
        2.0073984, 1.2348001, -0.15221952], [1.1224587, -1.5215024, 0.56177092, -1.4213866,
        1.7859102, 0.083829381], [0.27121419, 0.2468802, 0.10710011, -0.26111472, 0.27102774]],
        'states': [[-0.00063676672, -0.00071592687, -0.00029005238, -0.00048893609,
        -0.0018239783, -0.00099305529, 0.00072534941, -0.00034835265, -0.00010581875,
        0.00060520344, -0.00074948044, 0.00090878794], [0.025378995, 0.13518, 0.034833483],
        [-0.043245994, -0.13505051, 0.020514, -0.154855], [0.17059998, -0.0497665,
        -0.052200004, 0.034635499], [-0.00055253151, 0.0033528993, 0.00079356029, 0.0015972189,
        0.0030887537, -0.0014684373], [0.081133574, 0.073964775, 0.032159507, -0.078101739,
        0.08097215]]},
    'lars_plain': {'w': [[0.19395669, 0.85956407, 0.41011304, 0.17889211, -0.3092005,
        0.5817287, -0.24848959, 1.5664954, 1.8546057, -0.46421698, 1.1653671, 0.11777303],
        [0.31935, 1.85875, -1.66065], [-1.69225, -2.06005, 1.36105, 0.93844998], [1.6796001,
        1.8785499, 1.1538, -0.12265], [1.1210967, -1.5198624, 0.5617826, -1.4230001, 1.7859447,
        0.083721474], [0.10022561, 0.091192141, 0.03974358, -0.096449323, 0.10002917]]},
    'lars_noidx': {'w': [[0.19551516, 0.86027181, 0.40917093, 0.17886314, -0.3095842,
        0.58158356, -0.2489828, 1.5676197, 1.8539823, -0.46252695, 1.1655865, 0.11668492],
        [0.27559605, 1.7065246, -1.7115746], [-1.6515517, -1.9218262, 1.3327718, 1.1057837],
        [1.4856559, 1.914169, 1.1969076, -0.15384591], [1.1224588, -1.5214996, 0.56177169,
        -1.4213837, 1.7859137, 0.083827823], [0.27120936, 0.24687381, 0.1070959, -0.26111031,
        0.27102497]]},
    'lars_defaults': {'w': [[0.19501925, 0.8609938, 0.41097519, 0.17998852, -0.30506593,
        0.58397621, -0.24998984, 1.5670131, 1.8549945, -0.46595347, 1.1669885, 0.11600967],
        [0.27204019, 1.7020617, -1.7159524], [-1.6510192, -1.9190477, 1.3300418, 1.1129028],
        [1.4800806, 1.9140029, 1.1969968, -0.15399894], [1.1220098, -1.5269367, 0.56002158,
        -1.4269449, 1.7790898, 0.086966127], [0.058834702, 0.04934945, 0.021355662,
        -0.052194905, 0.065500759]]},
    'lars_noclip': {'w': [[0.19866753, 0.85766429, 0.40279216, 0.17595473, -0.3283731,
        0.57553601, -0.24593814, 1.5700927, 1.8541608, -0.45169142, 1.1627184, 0.12159251],
        [0.83130002, 2.7595003, -1.0014499], [-1.8088, -2.6443501, 1.6502001, -0.22460002],
        [3.0450001, 1.8412499, 0.96259993, -0.057550028], [1.1230013, -1.4997383, 0.56715262,
        -1.409115, 1.8117737, 0.07446602], [0.7646479, 0.64011043, 0.28262952, -0.67651677,
        0.84642076]]},
    'lars_mults': {'w': [[0.19603148, 0.85954344, 0.40734255, 0.17772648, -0.31416681,
        0.57916778, -0.24796556, 1.568239, 1.852964, -0.4590548, 1.164173, 0.11736861],
        [0.39454451, 1.87744, -1.5960007], [-1.674286, -2.1140454, 1.455874, 0.761195],
        [1.8104739, 1.8437787, 1.1311836, -0.13763413], [1.1219999, -1.509891, 0.56431431,
        -1.4096417, 1.7962183, 0.078042209], [0.27121431, 0.24688037, 0.10710031, -0.26111481,
        0.27102774]]},
    'lars_sched_corr': {'w': [[0.21254125, 0.85644907, 0.39691013, 0.17327116, -0.34307328,
        0.57094413, -0.2433432, 1.5730737, 1.8472577, -0.43761221, 1.1607155, 0.11481159],
        [0.2971577, 1.7354801, -1.6870574]]},
    'lars_sched_nocorr': {'w': [[0.23407096, 0.85346514, 0.38515118, 0.16684537, -0.37453714,
        0.55904198, -0.23763701, 1.5809048, 1.8390652, -0.40915129, 1.1532303, 0.11107321],
        [0.32368806, 1.7680156, -1.6622558]]},
    'lars_sched_single': {'w': [[0.21254125, 0.85644907, 0.39691013, 0.17327116, -0.34307328,
        0.57094413, -0.2433432, 1.5730737, 1.8472577, -0.43761221, 1.1607155, 0.11481159],
        [0.32368806, 1.7680156, -1.6622558]]},
    'lars_fp16': {'w': [[0.19543457, 0.86035156, 0.40917969, 0.17895508, -0.30957031,
        0.58154297, -0.24902344, 1.5683594, 1.8544922, -0.46264648, 1.1660156, 0.11669922],
        [0.51708984, 2.0527344, -1.4755859], [-1.6748047, -2.1132812, 1.4560547, 0.76171875],
        [1.9414062, 2.0078125, 1.2353516, -0.15222168], [1.1220703, -1.5214844, 0.56201172,
        -1.4208984, 1.7861328, 0.08380127], [0.27124023, 0.24694824, 0.1071167, -0.26098633,
        0.27099609]], 'states': [[[-0.00063666957, -0.00071620953, -0.00029026531,
        -0.00048925856, -0.0018246339, -0.00099341455, 0.00072577526, -0.00034845993,
        -0.00010608, 0.00060571148, -0.0007500822, 0.0009085887], [0.19546229, 0.86011142,
        0.40905938, 0.17891634, -0.30951646, 0.58156776, -0.24898246, 1.5680025, 1.8544507,
        -0.46259052, 1.1655779, 0.11671159]]]},
    'lars_fp16_nomom': {'w': [[0.19445801, 0.86035156, 0.41040039, 0.17944336, -0.30712891,
        0.58300781, -0.24926758, 1.5673828, 1.8554688, -0.46508789, 1.1660156, 0.11694336],
        [0.31933594, 1.859375, -1.6601562], [-1.6923828, -2.0605469, 1.3613281, 0.93896484],
        [1.6796875, 1.8789062, 1.1542969, -0.12268066], [1.1220703, -1.5234375, 0.56103516,
        -1.4248047, 1.7832031, 0.085327148], [0.10009766, 0.091125488, 0.039581299,
        -0.096374512, 0.10003662]]},
    'lbsgd_mom': {'w': [[0.19860612, 0.83145899, 0.19481775, 0.075480603, -0.78268385,
        0.33959562, -0.18255177, 1.6635939, 1.7829211, -0.094382055, 1.0557491, 0.22522962],
        [0.51708901, 2.05288, -1.4760016], [-1.6286607, -2.0599482, 1.4180257, 0.73204106],
        [1.9405999, 2.0073984, 1.2348001, -0.15221952], [1.1627693, -1.1676712, 0.68719065,
        -1.0463272, 2.2415345, -0.12621422], [0.48234999, 0.15921548, 0.357274, -0.38333797,
        0.37485]], 'states': [[-0.083071247, -0.050184544, -0.046466291, -0.044799402,
        -0.19259869, -0.10112871, 0.055755235, -0.016539313, 0.0019957107, 0.075372584,
        -0.060663935, 0.10793273]]},
    'lbsgd_plain': {'w': [[0.12104211, 0.81270152, 0.34740144, 0.12906662, -0.52655035,
        0.46828517, -0.19288018, 1.5618238, 1.8492798, -0.36054239, 1.1010259, 0.22382942],
        [0.31935, 1.85875, -1.66065], [-1.6677279, -2.0310986, 1.3406641, 0.92287052],
        [1.6796001, 1.8785499, 1.1538, -0.12265], [1.0966668, -1.29471, 0.62250191, -1.2918653,
        2.0090256, -0.021950912], [0.22135, 0.092349999, 0.1999, -0.17065001, 0.14174999]]},
    'lbsgd_bs2_linear': {'w': [[0.2323451, 0.84201789, 0.12929872, 0.27368894, -1.0669175,
        0.38098264, -0.20444413, 1.3838001, 1.5220988, -0.15432313, 1.4457204, -8.5681677e-06],
        [0.28948879, 1.8687125, -1.5119817], [-1.992334, -1.9817924, 1.1294847, 0.83542609],
        [1.65438, 1.7900479, 0.97141099, -0.0024937615], [1.250827, -1.2500261, 0.62865609,
        -1.0865757, 2.1638083, -0.27261922], [0.40624002, 0.50865138, 0.54056001, -0.40076363,
        0.62829512]]},
    'lbsgd_bs2_power2': {'w': [[0.21865056, 0.81621873, 0.18965811, 0.28287429, -1.0011338,
        0.41165835, -0.19537571, 1.3365443, 1.5263407, -0.22268213, 1.4459109, -0.020730719],
        [0.24155563, 1.8223038, -1.5750231], [-1.9922204, -1.9744909, 1.1042666, 0.89039797],
        [1.58663, 1.7681817, 0.98062509, -0.0053731278], [1.2466251, -1.2953918, 0.62660187,
        -1.1466211, 2.1029482, -0.24799579], [0.33849001, 0.51124281, 0.47687498, -0.35006967,
        0.56398344]]},
    'lbsgd_bs2_sqrt': {'w': [[0.24368998, 0.86339056, 0.079295322, 0.26607955, -1.1214145,
        0.35557002, -0.21195668, 1.4229486, 1.5185845, -0.097692683, 1.4455627, 0.01715818],
        [0.32919785, 1.9071587, -1.4597566], [-1.9924281, -1.9878412, 1.1503758, 0.78988606],
        [1.710506, 1.8081626, 0.96377802, -0.00010840595], [1.2543079, -1.2124442, 0.63035786,
        -1.0368323, 2.2142267, -0.29301789], [0.46236593, 0.50650454, 0.59331828, -0.44275987,
        0.68157268]]},
    'lbsgd_bs2_lars': {'w': [[0.2057174, 0.85395461, 0.28124657, 0.19807997, -0.5972662,
        0.50093907, -0.23183261, 1.529236, 1.7447636, -0.3376317, 1.2521615, 0.092849344],
        [0.27836254, 1.7990574, -1.5948055], [-1.92433, -1.9777827, 1.2107306, 0.81125593],
        [1.6354531, 1.9276954, 1.0469251, -0.054818168], [1.2030401, -1.3251086, 0.60800529,
        -1.2246951, 2.0097866, -0.14182541], [0.0027087, 0.0025173426, 0.0033396499,
        -0.0025107577, 0.0037845927]]},
    'lbsgd_bs2_other': {'w': [[0.20495605, 0.79041958, 0.25001752, 0.29205963, -0.93535012,
        0.44233403, -0.18630725, 1.289288, 1.5305827, -0.29104114, 1.4461011, -0.041452855],
        [0.1936225, 1.7758951, -1.6380644], [-1.9921069, -1.9671893, 1.0790488, 0.94536966],
        [1.5188801, 1.7463152, 0.98983902, -0.0082525089], [1.2424232, -1.3407574, 0.62454772,
        -1.2066666, 2.0420876, -0.22337241], [0.27073997, 0.51383424, 0.41318995, -0.29937574,
        0.4996717]]},
    'lbsgd_bs3_begin': {'w': [[0.15340313, 0.75552595, 0.27693969, 0.15086731, -0.65404308,
        0.51059878, -0.18158886, 1.4474584, 1.7471718, -0.38219893, 1.1948361, 0.10969686],
        [0.26153752, 1.7219708, -1.566277], [-1.7338845, -1.9160092, 1.2936968, 0.98939854],
        [1.5986418, 1.7805563, 1.125275, -0.10658125], [1.1968735, -1.3163987, 0.61938775,
        -1.3446977, 1.8751678, -0.12591538], [0.14377292, 0.21062708, 0.24372502, -0.20372084,
        0.22261876]]},
    'lbsgd_lars1': {'w': [[0.16863453, 0.82244468, 0.38901263, 0.15099497, -0.41358265,
        0.52508563, -0.20978555, 1.5527462, 1.8441976, -0.42071065, 1.1237769, 0.16137633],
        [0.31276038, 1.8291591, -1.6663476], [-1.6953964, -2.0386758, 1.371322, 0.91787779],
        [1.6281397, 1.8635374, 1.1525239, -0.12423216], [1.0974101, -1.3374016, 0.60621548,
        -1.3208624, 1.9631182, 0.000237111], [0.0022135002, 0.00092349999, 0.0019990001,
        -0.0017065001, 0.0014175001]]},
    'lbsgd_fp16': {'w': [[0.16479492, 0.78955078, 0.15185547, 0.13256836, -0.75878906,
        0.45166016, -0.18786621, 1.5742188, 1.7412109, -0.30419922, 1.2148438, 0.14733887],
        [0.33764648, 1.8007812, -1.4306641], [-1.7705078, -1.9472656, 1.34375, 0.88818359],
        [1.6923828, 1.8164062, 1.0898438, -0.089904785], [1.2285156, -1.2128906, 0.63769531,
        -1.2441406, 2.0019531, -0.20812988], [0.23132324, 0.18798828, 0.40014648, -0.3269043,
        0.37182617]], 'states': [[[0.16474332, 0.78932875, 0.15183291, 0.1326201, -0.75861287,
        0.45156029, -0.18788745, 1.5745776, 1.7409179, -0.30410236, 1.214458, 0.14734064],
        [-0.064385712, -0.13591135, -0.10845556, -0.024509836, -0.28955567, -0.055902265,
        0.084728107, -0.1107251, -0.10397136, -0.0085884482, 0.047954101, -0.02033259]]]},
    'lbsgd_sched': {'w': [[0.84313941, 1.1133201, -0.89234209, -0.17581879, -2.8834651,
        -0.29433352, -0.17069584, 2.5339985, 1.7211857, 1.6238511, 0.95848316, 0.55145746],
        [1.3241556, 3.0226088, -0.72085893]]},
    'lbsgd_direct_mp': {'w': [0.19848633, 0.83105469, 0.19470215, 0.075500488, -0.78271484,
        0.33959961, -0.18249512, 1.6640625, 1.7832031, -0.094421387, 1.0556641, 0.22521973],
        'st': [[-0.08307717, -0.050184567, -0.046467096, -0.044808116, -0.19258749,
        -0.10112125, 0.055771962, -0.016547255, 0.001990281, 0.075373463, -0.060691558,
        0.10790806], [0.19854727, 0.83129597, 0.19472128, 0.075510174, -0.78260523, 0.33960938,
        -0.18253386, 1.6639565, 1.7834073, -0.0944447, 1.0556986, 0.22519316]]},
    'trainer_lars': {'w': [[0.19231206, 0.85394847, 0.40834698, 0.18002598, -0.30028501,
        0.58095545, -0.24727604, 1.5546784, 1.8402957, -0.46231219, 1.1580358, 0.11545663],
        [0.26954249, 1.6866224, -1.7004958], [2.1708655, 2.3926568, 1.8315203], [1.4945929,
        1.8948336, 1.198755], [0.15108076, 0.73699987, -0.54169017], [0.99121028, 1.0454217,
        1.4788332], [1.129284, -1.518019, 0.56605655, -1.4403756, 1.7628317, 0.075787112],
        [0.25171411, 0.24731557]]},
    'trainer_lbsgd': {'w': [[0.19191742, 0.85550094, 0.40955287, 0.18133543, -0.29905844,
        0.58339584, -0.24716331, 1.5579123, 1.8440008, -0.46324858, 1.1605847, 0.11597445],
        [0.27042362, 1.6921355, -1.706054], [1.9088788, 2.3749726, 1.6781447], [1.4561703,
        1.6761082, 1.1178532], [0.15134436, 0.73814565, -0.54243809], [0.99215162, 1.0465437,
        1.4811084], [0.96056497, -1.5300381, 0.4703837, -1.3346245, 1.6236228, 0.089974433],
        [0.27305412, 0.20948938]]},
    'trainer_lbsgd_lars': {'w': [[0.17170306, 0.82485878, 0.40341398, 0.19284505, -0.26203984,
        0.58334923, -0.2303448, 1.508619, 1.7842716, -0.44832203, 1.1264055, 0.11669936],
        [0.26128241, 1.6349345, -1.6483828], [2.2342784, 2.279387, 1.802552], [1.6123836,
        1.7452381, 1.2141726], [0.14878821, 0.72674584, -0.53494179], [0.98244011, 1.0358062,
        1.457357], [1.1582168, -1.4721807, 0.58868194, -1.5528353, 1.6277895, -0.016230691],
        [0.26488572, 0.22609788]]},
}

MX_TRAINER = {
    'lars': [[0.19231206, 0.85394847, 0.40834698, 0.18002598, -0.30028501, 0.58095545,
        -0.24727604, 1.5546784, 1.8402957, -0.46231219, 1.1580358, 0.11545663], [0.26954249,
        1.6866224, -1.7004958], [2.1708655, 2.3926568, 1.8315203], [1.4945929, 1.8948336,
        1.198755], [0.15108076, 0.73699987, -0.54169017], [0.99121028, 1.0454217, 1.4788332],
        [1.129284, -1.518019, 0.56605655, -1.4403756, 1.7628317, 0.075787112], [0.25171411,
        0.24731557]],
    'lbsgd': [[0.19191742, 0.85550094, 0.40955287, 0.18133543, -0.29905844, 0.58339584,
        -0.24716331, 1.5579123, 1.8440008, -0.46324858, 1.1605847, 0.11597445], [0.27042362,
        1.6921355, -1.706054], [1.9088788, 2.3749726, 1.6781447], [1.4561703, 1.6761082,
        1.1178532], [0.15134436, 0.73814565, -0.54243809], [0.99215162, 1.0465437, 1.4811084],
        [0.96056497, -1.5300381, 0.4703837, -1.3346245, 1.6236228, 0.089974433], [0.27305412,
        0.20948938]],
    'lbsgd_lars': [[0.17170306, 0.82485878, 0.40341398, 0.19284505, -0.26203984, 0.58334923,
        -0.2303448, 1.508619, 1.7842716, -0.44832203, 1.1264055, 0.11669936], [0.26128241,
        1.6349345, -1.6483828], [2.2342784, 2.279387, 1.802552], [1.6123836, 1.7452381,
        1.2141726], [0.14878821, 0.72674584, -0.53494179], [0.98244011, 1.0358062, 1.457357],
        [1.1582168, -1.4721807, 0.58868194, -1.5528353, 1.6277895, -0.016230691], [0.26488572,
        0.22609788]],
}

MX_SCHED = {
    'corr': [[0.21254125, 0.85644907, 0.39691013, 0.17327116, -0.34307328, 0.57094413,
        -0.2433432, 1.5730737, 1.8472577, -0.43761221, 1.1607155, 0.11481159], [0.2971577,
        1.7354801, -1.6870574]],
    'nocorr': [[0.23407096, 0.85346514, 0.38515118, 0.16684537, -0.37453714, 0.55904198,
        -0.23763701, 1.5809048, 1.8390652, -0.40915129, 1.1532303, 0.11107321], [0.32368806,
        1.7680156, -1.6622558]],
    'single': [[0.21254125, 0.85644907, 0.39691013, 0.17327116, -0.34307328, 0.57094413,
        -0.2433432, 1.5730737, 1.8472577, -0.43761221, 1.1607155, 0.11481159], [0.32368806,
        1.7680156, -1.6622558]],
}

MX_LARS_MULTS = [[0.19603148, 0.85954344, 0.40734255, 0.17772648, -0.31416681, 0.57916778,
    -0.24796556, 1.568239, 1.852964, -0.4590548, 1.164173, 0.11736861], [0.39454451, 1.87744,
    -1.5960007], [-1.674286, -2.1140454, 1.455874, 0.761195], [1.8104739, 1.8437787, 1.1311836,
    -0.13763413], [1.1219999, -1.509891, 0.56431431, -1.4096417, 1.7962183, 0.078042209],
    [0.27121431, 0.24688037, 0.10710031, -0.26111481, 0.27102774]]
MX_LBSGD_SCHED = [[0.84313941, 1.1133201, -0.89234209, -0.17581879, -2.8834651, -0.29433352,
    -0.17069584, 2.5339985, 1.7211857, 1.6238511, 0.95848316, 0.55145746], [1.3241556,
    3.0226088, -0.72085893]]
MX_LBSGD_DIRECT_MP = ([0.19848633, 0.83105469, 0.19470215, 0.075500488, -0.78271484,
    0.33959961, -0.18249512, 1.6640625, 1.7832031, -0.094421387, 1.0556641, 0.22521973],
    [[-0.08307717, -0.050184567, -0.046467096, -0.044808116, -0.19258749, -0.10112125,
    0.055771962, -0.016547255, 0.001990281, 0.075373463, -0.060691558, 0.10790806],
    [0.19854727, 0.83129597, 0.19472128, 0.075510174, -0.78260523, 0.33960938, -0.18253386,
    1.6639565, 1.7834073, -0.0944447, 1.0556986, 0.22519316]])


# ---------------------------------------------------------------- NumPy references (float64)
def _sgd_step(w, m, g, lr, wd, rescale, clip, momentum):
    """MXNet's sgd_mom_update / sgd_update (m None: no momentum)."""
    cg = rescale * g
    if clip:
        cg = np.clip(cg, -clip, clip)
    if m is None:
        return w - lr * wd * w - lr * cg, None
    m = momentum * m - lr * wd * w - lr * cg
    return w + m, m


def _wd_of(kw, i, names, lars_rule):
    wd = kw.get('wd', 0.0)
    if not names:
        return wd
    name = NAMES[i]
    keep = name.endswith('_weight') or (not lars_rule and name.endswith('_gamma'))
    return wd if keep else 0.0


def ref_lars(kw, steps, names):
    lr0, rescale = kw.get('learning_rate', 0.01), kw.get('rescale_grad', 1.0)
    eta, eps, mu = kw.get('eta', 0.001), kw.get('eps', 0.0), kw.get('momentum', 0.0)
    ws = [w.astype(np.float64) for w in W0]
    ms = [np.zeros_like(w) if mu > 0 else None for w in ws]
    for t in range(steps):
        for i, g in enumerate(GS[t]):
            g = g.astype(np.float64)
            wd = _wd_of(kw, i, names, lars_rule=True)
            name, lr = (NAMES[i] if names else str(i)), lr0
            wn, gn = np.linalg.norm(ws[i]), np.linalg.norm(g)
            if not name.endswith(('gamma', 'beta', 'bias')) and wn > 0 and gn > 0:
                lr = lr0 * eta * wn / (gn * rescale + wd * wn + eps)
            ws[i], ms[i] = _sgd_step(ws[i], ms[i], g, lr, wd, rescale, kw.get('clip_gradient'), mu)
    return ws, ms


def ref_lbmult(n, strategy, warmup_epochs, updates_per_epoch, batch_scale):
    nw, top = warmup_epochs * updates_per_epoch, float(batch_scale)
    if n >= nw:
        return top
    if nw <= 1:
        return 1.0
    frac = {'linear': n / nw, 'power2': (n / nw) ** 2, 'sqrt': math.sqrt(n / nw)}
    return 1.0 + (top - 1) * frac[strategy] if strategy in frac else 1.0


def ref_lbsgd(kw, steps, names):
    lr0, rescale, mu = kw.get('learning_rate', 0.01), kw.get('rescale_grad', 1.0), \
        kw.get('momentum', 0.0)
    bs, strategy = kw.get('batch_scale', 1), kw.get('warmup_strategy', 'linear')
    we, upe = kw.get('warmup_epochs', 5), kw.get('updates_per_epoch', 32)
    ws = [w.astype(np.float64) for w in W0]
    ms = [np.zeros_like(w) if mu else None for w in ws]
    count = [kw.get('begin_epoch', 0) * upe] * len(ws)
    cum = [0.0] * len(ws)
    for t in range(steps):
        for i, g in enumerate(GS[t]):
            wd = _wd_of(kw, i, names, lars_rule=False)
            count[i] += 1
            cum[i] = cum[i] + g.astype(np.float64)
            if count[i] % bs:
                continue
            g, cum[i] = cum[i] / bs, 0.0
            if strategy == 'lars':
                w2, g2 = np.sum(ws[i] ** 2), np.sum(g ** 2)
                mult = min(max(math.sqrt(w2 / (g2 + wd * w2 + 1e-18)), 0.01), 100.0)
            else:
                mult = ref_lbmult(count[i], strategy, we, upe, bs)
            ws[i], ms[i] = _sgd_step(ws[i], ms[i], g, lr0 * mult, wd, rescale,
                                     kw.get('clip_gradient'), mu)
    return ws, ms


# ---------------------------------------------------------------- helpers
def _run(name, kw, steps, dtype, names, lists, n=6):
    if names:
        kw = dict(kw, param_idx2name=dict(NAMES))
    opt = mx.optimizer.create(name, **kw)
    up = mx.optimizer.get_updater(opt)
    ws = [nd.array(w, dtype=dtype) for w in W0[:n]]
    for t in range(steps):
        gs = [nd.array(g, dtype=dtype) for g in GS[t][:n]]
        if lists:
            up(list(range(n)), gs, ws)
        else:
            for i in range(n):
                up(i, gs[i], ws[i])
        for g, raw in zip(gs, GS[t]):       # gradients are only read
            np.testing.assert_array_equal(g.asnumpy(), raw.astype(dtype))
    return opt, up, ws


def _close(got, want, rtol=1e-5, atol=1e-6):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        if b is None:
            assert a is None
            continue
        a = a.asnumpy() if isinstance(a, nd.NDArray) else a
        np.testing.assert_allclose(np.asarray(a, np.float64).ravel(), b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- against MXNet and NumPy
@pytest.mark.parametrize('case', sorted(CASES))
def test_matches_mxnet_and_numpy(case):
    name, kw, steps, dtype, names, lists = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter('error')          # float16 runs use multi_precision: no warning
        opt, up, ws = _run(name, kw, steps, dtype, names, lists)
    assert all(w.dtype == np.dtype(dtype) for w in ws)
    assert opt.num_update == steps
    want = MX[case]
    if dtype == 'float16':
        _close(ws, want['w'], rtol=1e-3, atol=1e-3)
        master = 1 if name == 'lars' else 0        # LARS (momentum, master); LBSGD (master, mom)
        for i, w in enumerate(ws):
            st = up.states[i]
            assert isinstance(st, tuple) and st[master].dtype == np.float32
            np.testing.assert_array_equal(w.asnumpy(), st[master].asnumpy().astype(np.float16))
        if 'states' in want:     # parameter 0: momentum and float32 master, MXNet's order
            _close(list(up.states[0]), want['states'][0], rtol=1e-4, atol=1e-6)
        return
    _close(ws, want['w'])
    if 'states' in want:
        idx = range(6) if case == 'lars_mom' else [0]
        _close([up.states[i] for i in idx], want['states'])
    ref = ref_lars if name == 'lars' else ref_lbsgd
    ref_w, ref_m = ref(kw, steps, names)
    _close(ws, [w.ravel() for w in ref_w])
    _close([up.states[i] for i in range(6)], [None if m is None else m.ravel() for m in ref_m])
    for st in up.states.values():
        assert st is None or (st.dtype == np.float32 and st.context == ws[0].context)


def test_lars_exclusions_and_zero_norms():
    # names ending gamma/beta/bias keep the plain rate; so does a zero weight or gradient
    opt = mx.optimizer.LARS(learning_rate=0.5, eta=0.2, param_idx2name={
        0: 'w_weight', 1: 'mybias', 2: 'bn_gamma', 3: 'x_beta', 4: 'zero_weight', 5: 'nograd'})
    w0, g0 = np.array([3.0, 4.0], np.float32), np.array([0.3, -0.4], np.float32)
    ws = [nd.array(w0) for _ in range(6)]
    ws[4][:] = 0
    gs = [nd.array(g0) for _ in range(6)]
    gs[5][:] = 0
    opt.update(list(range(6)), ws, gs, [None] * 6)
    plain = w0 - 0.5 * g0
    for i in (1, 2, 3):
        np.testing.assert_allclose(ws[i].asnumpy(), plain, rtol=1e-6)
    np.testing.assert_allclose(ws[4].asnumpy(), -0.5 * g0, rtol=1e-6)
    np.testing.assert_array_equal(ws[5].asnumpy(), w0)
    layer_lr = 0.5 * 0.2 * 5.0 / 0.5                    # lr * eta * |w| / |g|
    np.testing.assert_allclose(ws[0].asnumpy(), w0 - layer_lr * g0, rtol=1e-6)


def test_lars_wd_mult_rule_and_multipliers():
    opt = mx.optimizer.LARS(param_idx2name=dict(NAMES), momentum=0.9, eta=0.01, **KW)
    # MXNet's LARS: every name not ending with _weight, _gamma included, gets wd_mult 0
    assert opt.wd_mult == {'fc_bias': 0.0, 'bn_gamma': 0.0, 'bn_beta': 0.0, 'other': 0.0}
    assert mx.optimizer.SGD(param_idx2name=dict(NAMES)).wd_mult == \
        {'fc_bias': 0.0, 'bn_beta': 0.0, 'other': 0.0}
    opt.set_lr_mult({'fc_weight': 2.0, 1: 0.5, 4: 3.0})
    opt.set_wd_mult({'bn_beta': 3.0, 4: 2.0})
    up = mx.optimizer.get_updater(opt)
    ws = [nd.array(w) for w in W0]
    for t in range(3):
        up(list(range(6)), [nd.array(g) for g in GS[t]], ws)
    # recorded from MXNet 1.9.1
    np.testing.assert_allclose([opt._get_lr(i) for i in range(6)],
                               [0.2, 0.05, 0.1, 0.1, 0.3, 0.1], rtol=1e-12)
    np.testing.assert_allclose([opt._get_wd(i) for i in range(6)],
                               [0.05, 0.0, 0.0, 0.15, 0.1, 0.0], rtol=1e-12)
    _close(ws, MX_LARS_MULTS)


@pytest.mark.parametrize('mode', ['corr', 'nocorr', 'single'])
def test_lars_momentum_correction_with_scheduler(mode):
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.2)
    opt = mx.optimizer.LARS(momentum=0.9, wd=0.01, eta=0.05, lr_scheduler=sched,
                            momentum_correction=(mode != 'nocorr'))
    up = mx.optimizer.get_updater(opt)
    ws = [nd.array(w) for w in W0[:2]]
    seen = []
    for t in range(4):
        gs = [nd.array(g) for g in GS[t][:2]]
        if mode == 'single':     # one call per index: the correction reaches index 0 only
            up(0, gs[0], ws[0])
            up(1, gs[1], ws[1])
        else:
            up([0, 1], gs, ws)
        seen.append((opt.cur_lr, opt.last_lr))
    if mode != 'single':
        assert seen == [(0.2, 0.2), (0.1, 0.2), (0.05, 0.1), (0.025, 0.05)]
    _close(ws, MX_SCHED[mode])


def test_lbsgd_warmup_multipliers():
    opt = mx.optimizer.LBSGD(batch_scale=8, warmup_epochs=2, updates_per_epoch=5)
    # recorded from MXNet 1.9.1 (counts 0, 1, 3, 7, 10, 12; 10 updates of warmup)
    want = {'linear': [1.0, 1.7, 3.1, 5.9, 8.0, 8.0],
            'power2': [1.0, 1.07, 1.63, 4.43, 8.0, 8.0],
            'sqrt': [1.0, 3.2135943621, 4.8340579025, 6.8566201857, 8.0, 8.0],
            'lars': [1.0, 1.0, 1.0, 1.0, 8.0, 8.0], 'foo': [1.0, 1.0, 1.0, 1.0, 8.0, 8.0]}
    for strategy, mults in want.items():
        opt.warmup_strategy = strategy
        got = [opt._get_lbmult(n) for n in (0, 1, 3, 7, 10, 12)]
        np.testing.assert_allclose(got, mults, rtol=1e-9)
        np.testing.assert_allclose(got, [ref_lbmult(n, strategy, 2, 5, 8)
                                         for n in (0, 1, 3, 7, 10, 12)], rtol=1e-12)
    one = mx.optimizer.LBSGD(batch_scale=8, warmup_epochs=1, updates_per_epoch=1)
    assert [one._get_lbmult(n) for n in (0, 1, 2)] == [1.0, 8.0, 8.0]


def test_lbsgd_reads_lr_before_counting():
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.2)
    opt = mx.optimizer.LBSGD(momentum=0.9, wd=0.01, lr_scheduler=sched)
    ws = [nd.array(w) for w in W0[:2]]
    sts = [opt.create_state(i, w) for i, w in enumerate(ws)]
    for t in range(3):
        for i in range(2):
            opt.update(i, ws[i], nd.array(GS[t][i]), sts[i])
    assert opt.num_update == 3
    _close(ws, MX_LBSGD_SCHED)       # recorded from MXNet 1.9.1
    # the first update ran at the scheduler's rate for count 0, not 1
    o = mx.optimizer.LBSGD(lr_scheduler=mx.lr_scheduler.FactorScheduler(
        step=1, factor=0.5, base_lr=0.2))
    w = nd.array([1.0])
    o.update(0, w, nd.array([1.0]), None)
    np.testing.assert_allclose(w.asnumpy(), [0.8], rtol=1e-6)


def test_lbsgd_accumulates_and_skips():
    opt = mx.optimizer.LBSGD(learning_rate=0.5, batch_scale=2, warmup_epochs=0)
    w = nd.array([1.0, 2.0])
    ga, gb = nd.array([0.2, 0.4]), nd.array([0.6, -0.4])
    opt.update(0, w, ga, None)
    np.testing.assert_array_equal(w.asnumpy(), [1.0, 2.0])       # no update inside a macro-batch
    opt.update(0, w, gb, None)
    # the mean of the two gradients at lr * batch_scale (warmup over)
    np.testing.assert_allclose(w.asnumpy(), [1.0 - 1.0 * 0.4, 2.0 - 1.0 * 0.0], rtol=1e-6)
    assert opt.cumgrads[0] == {'cum_grad': 0, 'num_cums': 2}
    np.testing.assert_array_equal(ga.asnumpy(), np.array([0.2, 0.4], np.float32))
    np.testing.assert_array_equal(gb.asnumpy(), np.array([0.6, -0.4], np.float32))


def test_lbsgd_direct_multi_precision_state():
    # create_state itself gives (momentum, float32 weight) for float16 with multi_precision
    opt = mx.optimizer.LBSGD(momentum=0.9, multi_precision=True, **KW)
    w = nd.array(W0[0], dtype='float16')
    st = opt.create_state(0, w)
    assert isinstance(st, tuple) and st[0].dtype == np.float32 and st[1].dtype == np.float32
    for t in range(3):
        opt.update(0, w, nd.array(GS[t][0], dtype='float16'), st)
    assert w.dtype == np.float16
    want_w, want_st = MX_LBSGD_DIRECT_MP
    np.testing.assert_allclose(w.asnumpy().astype(np.float64).ravel(), want_w, rtol=1e-3,
                               atol=1e-3)
    _close(st, want_st, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(w.asnumpy(), st[1].asnumpy().astype(np.float16))


# ---------------------------------------------------------------- gluon.Trainer
def _trainer(name, kw, steps=4):
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(3, in_units=4), gluon.nn.BatchNorm(in_channels=3),
            gluon.nn.Dense(2, in_units=3))
    net.initialize()
    params = list(net.collect_params().values())
    vals = [W0[0], W0[1], np.abs(W0[2][:3]) + 0.5, W0[3][:3], np.zeros(3, np.float32),
            np.ones(3, np.float32), W0[4], W0[5][:2] + 0.25]
    for p, v in zip(params, vals):
        p.set_data(nd.array(v.reshape(p.shape)))
    trainer = gluon.Trainer(net.collect_params(), name, kw)
    x = nd.array(np.linspace(-1, 1, 20).reshape(5, 4).astype(np.float32))
    y = nd.array(np.arange(10).reshape(5, 2).astype(np.float32) / 10)
    loss_fn = gluon.loss.L2Loss()
    for t in range(steps):
        with autograd.record():
            loss = loss_fn(net(x + (0.2 * t) * x * x), y)
        loss.backward()
        trainer.step(5)
    return trainer, [p.data() for p in params]


@pytest.mark.parametrize('case,kw', [
    ('lars', dict(learning_rate=0.1, momentum=0.9, wd=0.01, eta=0.01)),
    # batch_scale 2: MXNet keeps the first gradient of a macro-batch by reference, and the
    # Trainer's buffer then holds the newest gradient (a copy would be ~1e-4 off here)
    ('lbsgd', dict(learning_rate=0.1, momentum=0.9, wd=0.01, batch_scale=2, warmup_epochs=1,
                   updates_per_epoch=2)),
    ('lbsgd_lars', dict(learning_rate=0.1, wd=0.01, warmup_strategy='lars'))])
def test_through_gluon_trainer(case, kw):
    trainer, datas = _trainer(case.split('_')[0], kw)
    assert type(trainer.optimizer).__name__ == case.split('_')[0].upper()
    assert all(d.dtype == np.float32 for d in datas)
    _close(datas, MX_TRAINER[case])     # recorded from MXNet 1.9.1


# ---------------------------------------------------------------- creation, states, errors
def test_registry_and_defaults():
    for name, cls in (('lars', mx.optimizer.LARS), ('LARS', mx.optimizer.LARS),
                      ('lbsgd', mx.optimizer.LBSGD), ('LBSGD', mx.optimizer.LBSGD)):
        assert type(mx.optimizer.create(name)) is cls
    assert mx.optimizer.optimizer.LARS is mx.optimizer.LARS
    assert mx.optimizer.optimizer.LBSGD is mx.optimizer.LBSGD
    lars = mx.optimizer.LARS()
    assert (lars.learning_rate, lars.momentum, lars.eta, lars.eps, lars.momentum_correction,
            lars.lazy_update, lars.aggregate_num) == (0.01, 0.0, 0.001, 0, True, True, 4)
    assert (lars.skip, lars.cur_lr, lars.last_lr) == (0, None, None)
    lb = mx.optimizer.create('lbsgd', begin_epoch=2, learning_rate=0.3)
    assert (lb.learning_rate, lb.momentum, lb.multi_precision, lb.warmup_strategy,
            lb.warmup_epochs, lb.batch_scale, lb.updates_per_epoch, lb.init_updates,
            lb.num_epochs, lb.aggregate_num) == (0.3, 0.0, False, 'linear', 5, 1, 32, 64, 60, 0)
    assert (lb.lbmult, lb.cumgrads, lb.adaptive, lb.admult) == (1, {}, False, 1)
    assert not mx.optimizer.get_updater(lb).aggregate_updates


def test_states_and_float16_warning():
    w32, w16 = nd.array(W0[0]), nd.array(W0[0], dtype='float16')
    assert mx.optimizer.LARS().create_state(0, w32) is None
    assert mx.optimizer.LBSGD().create_state(0, w32) is None
    for cls in (mx.optimizer.LARS, mx.optimizer.LBSGD):
        st = cls(momentum=0.9).create_state_multi_precision(0, w32)
        assert isinstance(st, nd.NDArray) and st.dtype == np.float32 and st.shape == (3, 4)
        assert float(st.abs().sum().asscalar()) == 0.0
        with pytest.warns(UserWarning, match='multi_precision'):
            st = cls(momentum=0.9).create_state_multi_precision(0, w16)
        assert st.dtype == np.float16
    st = mx.optimizer.LARS(momentum=0.9, multi_precision=True).create_state_multi_precision(0, w16)
    assert st[0].dtype == np.float32 and st[1].dtype == np.float32
    np.testing.assert_array_equal(st[1].asnumpy(), w16.asnumpy().astype(np.float32))
    st = mx.optimizer.LBSGD(multi_precision=True).create_state_multi_precision(0, w16)
    assert st[0].dtype == np.float32 and st[1] is None


def test_float64_weights_stay_float64():
    for opt in (mx.optimizer.LARS(momentum=0.9, wd=0.1), mx.optimizer.LBSGD(momentum=0.9),
                mx.optimizer.LBSGD(warmup_strategy='lars', momentum=0.5)):
        w = nd.array(W0[0], dtype='float64')
        st = opt.create_state(0, w)
        opt.update(0, w, nd.array(GS[0][0], dtype='float64'), st)
        assert w.dtype == np.float64 and st.dtype == np.float64
        assert not np.allclose(w.asnumpy(), W0[0])


def test_errors_as_mxnet():
    w, g = nd.array([1.0, 2.0]), nd.array([0.1, 0.2])
    with pytest.raises(TypeError):
        mx.optimizer.create('lars', foo=1)
    with pytest.raises(DistGluError, match='eta'):          # MXNetError in MXNet too
        mx.optimizer.LARS(eta='a').update(0, w, g, None)
    with pytest.raises(TypeError):
        mx.optimizer.LARS(momentum='a').update(0, w, g, None)
    with pytest.raises(ZeroDivisionError):
        mx.optimizer.LBSGD(batch_scale=0).update(0, w, g, None)
    with pytest.raises(TypeError):
        mx.optimizer.LBSGD(batch_scale='a').update(0, w, g, None)
    for opt in (mx.optimizer.LARS(), mx.optimizer.LBSGD()):
        with pytest.raises(DistGluError, match='same shape'):
            opt.update(0, nd.zeros((2, 3)), nd.zeros((3, 2)), None)
        with pytest.raises(DistGluError, match='expected NDArray'):
            opt.update(0, np.zeros(3), nd.zeros(3), None)
    with pytest.raises(DistGluError, match='same length'):
        mx.optimizer.LARS().update([0, 1], [nd.zeros(3)], [nd.zeros(3)], [None])


def test_updater_round_trip_and_not_recorded():
    opt = mx.optimizer.LARS(learning_rate=0.1, momentum=0.9, eta=0.01)
    up = mx.optimizer.get_updater(opt)
    ws = [nd.array(w) for w in W0[:2]]
    up([0, 1], [nd.array(g) for g in GS[0][:2]], ws)
    blob = up.get_states(dump_optimizer=True)
    saved = [w.copy() for w in ws]
    up([0, 1], [nd.array(g) for g in GS[1][:2]], ws)
    up2 = mx.optimizer.get_updater(mx.optimizer.LARS())
    up2.set_states(blob)
    assert type(up2.optimizer) is mx.optimizer.LARS and up2.optimizer.cur_lr == 0.1
    up2([0, 1], [nd.array(g) for g in GS[1][:2]], saved)
    for a, b in zip(ws, saved):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    # the update is not recorded by autograd
    w = nd.array(W0[0])
    w.attach_grad()
    with autograd.record():
        (w * w).sum().backward()
    leaf = w._node
    with autograd.record():
        opt.update(7, w, w.grad, None)
    assert w._node is leaf
    assert pickle.loads(pickle.dumps(mx.optimizer.LBSGD(batch_scale=3))).batch_scale == 3


def test_layer_rate_device_branch_matches_host():
    # the branch taken for CuPy arrays (no host synchronisation), run here on NumPy
    fake = types.SimpleNamespace(dot=np.dot, sqrt=np.sqrt, where=np.where)
    lars = mx.optimizer.LARS
    for w, g in ((W0[0], GS[0][0]), (W0[5], GS[0][5]), (W0[0], 0 * GS[0][0])):
        host = lars._layer_lr(np, w, g, 0.1, 0.05, 0.01, 1e-3, 0.5)
        dev = lars._layer_lr(fake, w, g, 0.1, 0.05, 0.01, 1e-3, 0.5)
        assert dev.dtype == np.float32
        np.testing.assert_allclose(float(dev), host, rtol=1e-6)
    assert lars._layer_lr(np, W0[0], GS[0][0], 0.1, 0.05, 0.01, 1e-3, 0.5) != 0.1
    assert lars._layer_lr(np, W0[5], GS[0][5], 0.1, 0.05, 0.01, 1e-3, 0.5) == 0.1


# ---------------------------------------------------------------- GPU
@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
@pytest.mark.parametrize('case', ['lars_mom', 'lars_fp16', 'lbsgd_bs2_lars', 'lbsgd_fp16'])
def test_on_gpu_matches_mxnet(case):
    name, kw, steps, dtype, names, lists = CASES[case]
    opt = mx.optimizer.create(name, param_idx2name=dict(NAMES), **kw)
    up = mx.optimizer.get_updater(opt)
    ws = [nd.array(w, dtype=dtype, ctx=mx.gpu(0)) for w in W0]
    for t in range(steps):
        gs = [nd.array(g, dtype=dtype, ctx=mx.gpu(0)) for g in GS[t]]
        if lists:
            up(list(range(6)), gs, ws)
        else:
            for i in range(6):
                up(i, gs[i], ws[i])
    assert all(w.context == mx.gpu(0) and w.dtype == np.dtype(dtype) for w in ws)
    tol = 1e-3 if dtype == 'float16' else 1e-5
    _close(ws, MX[case]['w'], rtol=tol, atol=tol)


def test_lars_through_trainer_with_scheduler_matches_mxnet():
    """The Trainer hands all parameters to the updater in one call (as MXNet), so LARS's
    momentum correction after an lr change reaches every parameter as in MXNet 1.9.1
    (values recorded from it with the same program)."""
    net = mx.gluon.nn.Sequential()
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(4, in_units=3), mx.gluon.nn.Dense(2, in_units=4))
    net.initialize(mx.init.Constant(0.1))
    rng = np.random.RandomState(0)
    for p in net.collect_params().values():
        p.set_data(mx.nd.array(rng.uniform(-0.5, 0.5, p.shape)))
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.1)
    tr = mx.gluon.Trainer(net.collect_params(), 'lars',
                          {'learning_rate': 0.1, 'momentum': 0.9, 'lr_scheduler': sched})
    x = mx.nd.array(rng.uniform(-1, 1, (5, 3)))
    y = mx.nd.array(rng.uniform(-1, 1, (5, 2)))
    for _ in range(4):
        with mx.autograd.record():
            loss = ((net(x) - y) ** 2).sum()
        loss.backward()
        tr.step(5)
    got = np.concatenate([p.data().asnumpy().ravel() for p in net.collect_params().values()])
    expected = [
        0.04879000037908554, 0.21510599553585052, 0.10294099897146225, 0.044870998710393906,
        -0.07632099837064743, 0.14585000276565552, -0.06241000071167946, 0.39180800318717957,
        0.46358999609947205, -0.11657000333070755, 0.29175400733947754, 0.028838999569416046,
        0.06782999634742737, 0.42559099197387695, -0.42889800667762756, -0.41286399960517883,
        -0.47976499795913696, 0.33266401290893555, 0.277974009513855, 0.36994901299476624,
        0.4785979986190796, 0.2990640103816986, -0.03835200145840645, 0.2806369960308075,
        -0.3816460072994232, 0.1398259997367859
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
