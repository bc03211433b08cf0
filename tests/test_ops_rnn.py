"""The fused ``nd.RNN``: MXNet 1.9.1 values, a NumPy loop reference, numeric gradients."""
import numpy as np
import pytest

import distglu
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.ndarray.ops import rnn_op
from distglu.test_utils import check_numeric_gradient

GATES = {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}


def _a(vals, shape):
    return np.array(vals, dtype=np.float32).reshape(shape)


# Recorded with mxnet 1.9.1 (CPU) on the inputs of _mx_inputs(): per case
# 'mode-num_layers-directions-projection_size': out, h_n (, c_n), then the gradients of
# data, parameters, state (, state_cell) for the head gradients gy, gh (, gc). MXNet 1.9.1
# cannot train a projected LSTM on CPU, so that case has forward values only.
MX = {
    'rnn_relu-1-1-None': [
        _a([0.1326302, 1.475107, 1.13606, 2.803355, 0.2668261, 1.072118, 0, 0.3441716, 0,
            0.9661183, 0.2696591, 1.722496], (3, 2, 2)),
        _a([0, 0.9661183, 0.2696591, 1.722496], (1, 2, 2)),
        _a([-0.5874068, 0.2821324, 2.502085, 0.3333681, 1.502871, 1.461732, -0.1853161,
            0.09828112, 0.8054316, 0.448661, 0.5933717, -0.5094416, -0.4553671,
            -0.6022409, 0.5170562, 0.1218439, 0.7468013, 0.8765137], (3, 2, 3)),
        _a([-7.522141, -5.094266, 0.2475414, 1.807027, 4.296902, -1.514563, 1.993629,
            1.929682, 1.398558, 4.442094, -4.810205, 1.311906, -4.810205, 1.311906], (14,)),
        _a([-1.918252, 1.307866, -1.859068, 1.047378], (1, 2, 2)),
    ],
    'rnn_tanh-1-1-None': [
        _a([-0.3396338, 0.7721853, 0.6158585, -0.5968813, -0.8503185, 0.4317527,
            0.9148024, 0.2977127, -0.9417192, -0.1545266, 0.2356211, -0.7843319], (3, 2, 2)),
        _a([-0.9417192, -0.1545266, 0.2356211, -0.7843319], (1, 2, 2)),
        _a([-0.1443687, -0.1521182, 0.01485127, 0.2891989, 0.08377112, 0.4201999,
            -0.3352792, -0.2653897, -0.144484, 1.058946, 0.8440822, 0.4443739, 0.1472102,
            0.0841524, 0.1293604, 0.05344226, 0.06578016, -0.0247809], (3, 2, 3)),
        _a([0.2601976, -0.2812996, 0.9962447, -2.630522, 3.638064, -4.855208, 0.6492369,
            0.07495748, 1.015312, -1.213773, -0.6615751, 1.892357, -0.6615751, 1.892357], (14,)),
        _a([-0.04778456, 0.163394, -0.268286, -0.06629396], (1, 2, 2)),
    ],
    'lstm-1-1-None': [
        _a([0.320572, -0.4393463, -0.2469887, -0.04552726, 0.1954019, -0.3775088,
            -0.08374121, 0.01376716, 0.03089044, -0.389276, -0.1171033, 0.05750963], (3, 2, 2)),
        _a([0.03089044, -0.389276, -0.1171033, 0.05750963], (1, 2, 2)),
        _a([0.1094261, -0.8286809, -0.6537287, 0.09711289], (1, 2, 2)),
        _a([-0.226132, -0.1230427, -0.3859875, 0.01751694, -0.02938215, 0.001277054,
            -0.341435, -0.1720892, -0.6599731, 0.06791698, 0.02408536, 0.06313268,
            -0.3304354, -0.332971, -0.1729619, 0.1162247, 0.112532, 0.105348], (3, 2, 3)),
        _a([0.2131216, 0.1872128, -0.6536003, -0.08295934, 0.06903636, -0.1135201,
            0.2796001, -0.4633868, -0.8016567, 0.1454463, -1.10411, -0.7858489,
            0.02918464, -0.2922752, -0.388833, -0.1624779, 0.5561985, 0.4145603,
            0.09866408, -0.2836343, -0.7439001, 0.006591086, 0.5638536, 0.7335274,
            0.02971992, 0.1043062, -0.07332174, 0.1172583, 0.05660714, -0.002514362,
            -0.07344109, 0.04661787, -0.06042194, 0.07731112, 0.00964006, 0.06605454,
            -0.3116078, 0.2682093, 0.1557024, -0.2649171, -0.5839601, 0.1326475,
            0.1192859, 1.173361, 0.40201, -0.4975511, 0.3773967, -0.7373397, -0.5839601,
            0.1326475, 0.1192859, 1.173361, 0.40201, -0.4975511, 0.3773967, -0.7373397], (56,)),
        _a([0.15932, 0.0627921, 0.01517729, 0.02318239], (1, 2, 2)),
        _a([0.3335283, -0.5932452, 0.04820763, -0.6146671], (1, 2, 2)),
    ],
    'gru-1-1-None': [
        _a([0.9330291, -0.5388877, -0.2042963, 1.029844, 0.4140248, -0.09029405,
            -0.2634283, 0.3179613, 0.7667528, -0.6734965, -0.06923962, 0.705931], (3, 2, 2)),
        _a([0.7667528, -0.6734965, -0.06923962, 0.705931], (1, 2, 2)),
        _a([-0.4001828, -1.063713, -1.66654, -0.08179642, -0.2159612, -0.1778989,
            -0.1726784, -0.5118435, -0.8354445, -0.2385512, -0.4426703, -0.9406228,
            -0.09119064, -0.1375528, -0.1039339, -0.09749152, -0.1425318, 0.1130121], (3, 2, 3)),
        _a([-0.02498936, -0.0223902, -0.01838019, -0.7031122, 0.03041291, -0.09574173,
            0.08042532, 0.2250684, -0.1715255, 0.923077, 0.3882483, 0.3684866, 0.2395986,
            0.2256168, 0.2380388, 1.628839, -0.7771713, 0.6850898, 0.01601351,
            0.0001325766, -0.6795168, -0.5940484, -0.1375083, 0.09844528, 0.2357808,
            1.445844, -0.07070289, 0.01358216, 0.9060014, 0.8774064, 0.0399593,
            -0.8260376, 0.03359359, 0.4930584, -0.4458857, 3.076491, 0.0399593,
            -0.8260376, 0.03359359, 0.4930584, -0.2004096, 1.134027], (42,)),
        _a([-0.6004537, -0.1694222, -1.268724, 0.05360168], (1, 2, 2)),
    ],
    'rnn_tanh-2-2-None': [
        _a([0.2630977, -0.6825286, -0.09356388, 0.1720148, 0.4892709, 0.3309571,
            0.5483894, 0.3549279, 0.8165683, -0.3618346, 0.5055125, 0.2255692, 0.9610577,
            0.6798618, 0.3478243, 0.9412441, 0.3570849, -0.7801576, -0.2552317,
            -0.6884832, 0.4478676, 0.3755912, 0.4786961, -0.3122315], (3, 2, 4)),
        _a([0.9269754, 0.6734734, -0.7616315, -0.9514388, 0.9017068, 0.8769926,
            0.9942258, 0.9725836, 0.3570849, -0.7801576, 0.4478676, 0.3755912,
            -0.09356388, 0.1720148, 0.5483894, 0.3549279], (4, 2, 2)),
        _a([-0.3577291, 0.3413041, -0.4177651, 0.1581192, -0.04494251, 0.2693695,
            -0.3689306, 0.277121, -0.03131798, 0.4564681, -0.07617833, 0.2166322,
            0.06485303, -0.05319915, 0.2983066, 0.1061274, 0.01658775, -0.1509213], (3, 2, 3)),
        _a([-0.8617923, 0.2815769, -0.6775624, 0.8254003, 0.02426454, 0.9113424,
            -1.131141, -1.428808, 2.08436, 0.9623887, 0.2432379, -0.3999425, 0.2155478,
            -0.1406334, -0.006172813, 0.2805308, -0.1611578, -0.07512616, 0.6695384,
            -0.2147651, 1.664756, 1.045707, 1.708919, -0.178118, 1.055837, 0.9708553,
            0.6154532, 0.9821615, -0.8160158, -2.366835, -0.6361901, -1.275104,
            -1.264214, -2.225234, -1.065619, 1.955469, 0.8491918, -1.04362, -1.701833,
            3.352079, 0.7291698, 1.010351, -0.06987142, 0.04982874, 2.155056, -0.9640731,
            2.155056, -0.9640731, -0.7298761, -0.3588443, -0.7298761, -0.3588443,
            2.184092, -0.4066061, 2.184092, -0.4066061, 3.126321, 1.078833, 3.126321,
            1.078833], (60,)),
        _a([0.8706729, -0.732821, -0.06112665, 0.5570597, -0.1867006, -0.05958457,
            -0.09523969, -0.0410671, -0.3108957, 1.241572, 0.1012599, -0.3860853,
            -0.8305315, 0.002428947, -1.032236, -0.1933719], (4, 2, 2)),
    ],
    'lstm-2-2-None': [
        _a([-0.004059085, 0.4773522, -0.1551425, 0.0583369, -0.2998522, 0.3140009,
            -0.320266, 0.3630018, -0.08972342, 0.2724952, -0.1408779, 0.00375513,
            -0.2306833, -0.004405453, -0.3827125, 0.4465861, -0.1584481, -0.007129685,
            -0.2261028, -0.2161905, -0.2450801, -0.1956285, -0.265662, 0.563966], (3, 2, 4)),
        _a([0.3644989, 0.03029025, 0.2511628, 0.06647369, 0.05541462, 0.03899088,
            0.02590143, -0.1930091, -0.1584481, -0.007129685, -0.2450801, -0.1956285,
            -0.1551425, 0.0583369, -0.320266, 0.3630018], (4, 2, 2)),
        _a([0.685783, 0.04869504, 0.3977466, 0.1922287, 0.2528791, 0.05838781, 0.1339133,
            -0.2586889, -0.4588805, -0.01130969, -0.6782736, -0.341951, -0.3711926,
            0.08374444, -0.8711719, 0.5333621], (4, 2, 2)),
        _a([0.07523239, 0.09496804, -0.008326001, -0.005444443, -0.0289058, 0.01900507,
            0.1263493, -0.04790074, -0.1844748, -0.06382171, -0.03858929, 0.03979118,
            0.1854979, -0.06827738, -0.127258, -0.0572785, -0.09201773, 0.02357597], (3, 2, 3)),
        _a([-0.2350708, 0.01380868, -0.1729206, -0.1486134, 0.09398722, 0.4474968,
            -0.1360305, -0.02048349, 0.3951721, -0.03012372, 0.1277139, -0.1766614,
            -0.4031883, 0.3236358, -0.4879586, -0.5329487, -0.2136679, 0.9411755,
            -0.1075303, 0.1490644, 0.4722808, -0.006190954, -0.009532857, -0.08497288,
            0.0711462, -0.02995047, 0.01666361, -0.001711476, -0.1306463, -0.03299694,
            0.03250083, 0.02465201, 0.1210719, -0.02346302, 0.2767141, -0.0599216,
            -0.1106264, 0.002687602, 0.02376329, -0.0008648342, -0.008728826, 0.04229778,
            -0.2713141, -0.008200772, 4.511312e-05, 0.03525936, 0.009238353, -0.01251768,
            0.02035746, -0.06124534, 0.09613676, 0.1323947, 0.1190107, 0.05258293,
            -0.03258773, 0.008822351, -0.01598031, 0.04422926, 0.0007998219, 0.001628221,
            -0.1336662, 0.008671243, 0.01647604, 0.02598218, 0.01619973, -0.03036165,
            -0.0429651, 0.04605062, -0.01688633, 0.016755, -0.022105, 0.02019997,
            -0.03959601, 0.02198209, -0.006770452, 0.01117254, 0.009409712, -0.01525119,
            -0.01406687, 0.008954802, -0.003159885, -0.003277216, -0.004027327,
            0.09448114, 0.2869702, 0.04763186, 0.0181114, -0.1419619, -0.03482786,
            -0.004879809, -0.003583469, 0.07035343, -0.2248479, 0.03025298, -0.01895466,
            -0.01302922, -0.1126288, 0.05203326, -0.01647217, -0.05687803, -0.2866347,
            0.05684364, -0.03104562, -0.005701382, 0.01657731, 0.02373444, 0.01680847,
            -0.1724601, -0.07577043, 0.04668774, -0.01216622, -0.02920417, 0.0322791,
            0.003663811, -0.2096405, 0.2444424, 0.04797771, -0.03221717, -0.05740175,
            -0.4962257, -0.2041377, -0.3662243, -0.1823891, -0.6935772, -0.03931321,
            -0.1032789, -0.1506589, -0.303647, 0.008455197, 0.003571301, -0.000410163,
            -0.01195255, -0.05550986, 0.01480357, -0.0005130312, -0.05385756, 0.05079418,
            0.01027514, 0.0007761883, -0.04071815, -0.006198199, 0.01492627,
            -0.0007580641, -0.05615279, -0.05975606, -0.01991916, 0.003106287,
            0.02532437, 0.2038467, 0.2076961, -0.03231394, 0.1540771, 0.03815891,
            -0.0002031892, -0.005831777, 0.06004409, 0.009976766, 0.02248404,
            0.001942453, -0.1011049, -0.004492362, 0.02886607, -0.2403042, -0.1714177,
            -0.04133387, 0.08721542, -0.1177392, -0.05633885, -0.1175406, -0.1812974,
            0.600771, 0.2834612, 0.253675, 0.1865252, -0.2980636, -0.1120901, 0.4408717,
            0.3209411, 0.6387362, -0.1295421, 0.8462427, 1.071945, 0.3559588,
            -0.02695948, 0.4408717, 0.3209411, 0.6387362, -0.1295421, 0.8462427,
            1.071945, 0.3559588, -0.02695948, -0.1187113, -0.0662533, -0.03457892,
            0.1237821, -0.2198064, -0.0004540763, -0.06676641, -0.01719506, -0.1187113,
            -0.0662533, -0.03457892, 0.1237821, -0.2198064, -0.0004540763, -0.06676641,
            -0.01719506, -0.08869442, 1.185467, -0.2035511, -0.9709625, -0.3518915,
            -1.148825, 0.04860264, -0.3047691, -0.08869442, 1.185467, -0.2035511,
            -0.9709625, -0.3518915, -1.148825, 0.04860264, -0.3047691, 0.03035609,
            -0.09859738, 0.1985279, -0.02338523, -0.134035, 0.693017, 0.0690382,
            0.1288103, 0.03035609, -0.09859738, 0.1985279, -0.02338523, -0.134035,
            0.693017, 0.0690382, 0.1288103], (240,)),
        _a([0.132448, 0.1450191, -0.06802542, -0.05083163, -0.04890814, -0.006620087,
            -0.02454796, -0.03430808, -0.3981935, -0.5700951, -0.3897316, -0.2266904,
            -0.764702, -0.09888308, 0.0251458, -0.08587693], (4, 2, 2)),
        _a([0.2885826, 0.1229063, 0.004055054, 0.1831354, -0.02884805, -0.04120826,
            -0.05572662, -0.05170866, -0.5071503, -1.290845, 0.1103074, -0.584196,
            -0.2417506, 0.759178, -0.0441159, 0.2696295], (4, 2, 2)),
    ],
    'gru-2-2-None': [
        _a([0.07663187, -0.1582017, -0.6324618, 0.3803407, 0.77778, -0.192076,
            -0.3724384, 0.1301441, 0.5506308, -0.04685696, -0.7034091, 0.3844718,
            0.5403966, 0.1481335, -0.3915501, 0.06742909, 0.8076109, 0.4637922,
            -0.8040781, 0.414735, 0.6891772, 0.03794051, -0.4727553, -0.03010343], (3, 2, 4)),
        _a([0.5896485, 0.2991689, -0.1041447, 0.1170998, 0.1027985, 0.67077, 0.5428721,
            1.341027, 0.8076109, 0.4637922, 0.6891772, 0.03794051, -0.6324618, 0.3803407,
            -0.3724384, 0.1301441], (4, 2, 2)),
        _a([0.1601995, 0.4313817, -0.2191286, 0.2566367, -0.2725294, -0.1789934,
            0.2860197, -0.9024172, -0.4032962, 0.1807156, -0.2668264, 0.2497207,
            -0.05979026, 0.4085384, -0.6316471, 0.03551616, 0.05397701, -0.0747018], (3, 2, 3)),
        _a([-0.002702337, 0.01786294, 0.00156523, 0.01407394, -0.107361, -0.01913038,
            0.2331289, -0.1394432, -0.1055802, -0.254868, -0.2069412, 0.2896154,
            0.1794959, 0.02268268, 0.02535268, -0.1773495, 1.097146, 0.233928,
            0.002277447, 0.01593351, 0.0799932, -0.06773468, -0.362394, -0.5636062,
            -0.2804317, 0.4486769, -0.3950582, 0.07867644, -0.3058039, 0.2467254,
            -0.06313366, 0.2164428, -0.1837619, 0.001504221, -0.002511959, -0.00241963,
            -0.5892844, 0.8776407, -0.9353182, 0.3225843, -0.02200858, 0.3242874,
            0.2192273, -2.715451, 2.365581, -0.001077638, 0.008605543, 0.02921859,
            0.1158323, -0.162373, 0.009479562, 0.002224176, 0.8883712, -1.008583,
            -0.4749976, 0.2110668, -0.3126459, 1.115949, -0.03403169, 0.03136095,
            0.07359372, -0.02433277, -0.07448472, -0.1488302, -0.05110128, -0.006972516,
            0.1576368, 0.06372151, -0.1834693, -0.03593945, -0.08657031, -0.04988804,
            -0.233599, -0.08753728, -0.3046644, 0.1276186, -0.4388431, 0.2135478,
            0.5213466, 1.168079, -1.37082, -0.2955554, 1.460876, 0.9887742, -0.08671153,
            -0.009701554, -0.1012218, 0.1312177, 0.7385369, -0.592196, 0.862063,
            -0.5828348, 0.4317915, 0.1027371, 0.8506711, -0.1830667, 0.01596895,
            0.03842969, -0.0003706701, -0.1450735, 0.3479397, -0.1068962, -0.2443778,
            -0.4893728, 0.0165796, 0.07845, 0.1673372, 0.578824, 0.06807133, -0.0607407,
            -0.1128798, -0.3069819, -0.1537389, -0.3646527, -0.1167056, 0.9796838,
            -0.9004105, 0.3198935, 0.6816835, 1.491172, -0.1007954, 0.1255193,
            -0.01385526, 0.109949, 0.04866005, -0.1876783, 0.0119125, 0.06537386,
            0.6145275, -0.755901, -0.02155717, -0.1425165, 0.0311157, -0.1605092,
            -0.9809362, 0.6639378, -0.2040443, 1.147243, 0.0311157, -0.1605092,
            -0.9809362, 0.6639378, 0.2338067, 0.553135, -0.1243133, -0.004127974,
            -0.6827888, 0.2261609, 1.956232, 0.05141917, -0.1243133, -0.004127974,
            -0.6827888, 0.2261609, 0.8566024, 0.03298156, -0.08868715, 0.03700606,
            -0.1438679, -0.09217606, 0.7413431, 0.1177165, -0.08868715, 0.03700606,
            -0.1438679, -0.09217606, 0.5534909, 0.1236103, -0.0657063, -0.2722794,
            0.4133989, -0.2086847, 0.3679942, 0.8675125, -0.0657063, -0.2722794,
            0.4133989, -0.2086847, 0.3812134, 0.4526404], (180,)),
        _a([-1.298383, 0.2688696, 0.6506777, 0.6120093, 0.5862644, 0.3055299, -0.4914023,
            -0.4844757, 0.3040363, 0.2845331, 0.2700136, 0.02643557, 0.518513,
            -0.4032584, -0.6348374, 0.2254496], (4, 2, 2)),
    ],
    'lstm-1-2-1': [
        _a([0.04473909, 0.02873513, -0.01398218, -0.04193449, -0.1194156, -0.01729493,
            -0.01640884, -0.05472517, -0.07005365, -0.04517363, -0.01263512, -0.05499243],
           (3, 2, 2)),
        _a([-0.07005365, -0.01263512, 0.02873513, -0.04193449], (2, 2, 1)),
        _a([-0.5200827, 0.771603, -0.04796369, 0.2713324, 0.133057, -0.230079, 0.4801905,
            0.08006863], (2, 2, 2)),
    ],
}


def param_size(mode, n_in, h, layers, ndir, proj=None):
    g = GATES[mode]
    hr = proj or h
    size = 0
    for layer in range(layers):
        i = n_in if layer == 0 else ndir * hr
        size += ndir * (g * h * i + g * h * hr + 2 * g * h + (proj * h if proj else 0))
    return size


def _mx_inputs(mode, t_len, n, n_in, h, layers, ndir, proj, seed):
    rs = np.random.RandomState(seed)
    hr = proj or h
    x = rs.randn(t_len, n, n_in).astype(np.float32)
    p = (rs.randn(param_size(mode, n_in, h, layers, ndir, proj)) * 0.5).astype(np.float32)
    h0 = rs.randn(layers * ndir, n, hr).astype(np.float32)
    c0 = rs.randn(layers * ndir, n, h).astype(np.float32)
    gy = rs.randn(t_len, n, ndir * hr).astype(np.float32)
    gh = rs.randn(layers * ndir, n, hr).astype(np.float32)
    gc = rs.randn(layers * ndir, n, h).astype(np.float32)
    return x, p, h0, c0, gy, gh, gc


# ----------------------------------------------------------------------------- reference
# A plain per-step, per-layer, per-direction loop over MXNet's packing.

def _sig(a):
    return 1 / (1 + np.exp(-a))


def ref_unpack(p, mode, n_in, h, layers, ndir, proj=None):
    g = GATES[mode]
    hr = proj or h
    off = 0
    w = {}

    def take(shape):
        nonlocal off
        size = int(np.prod(shape))
        v = p[off:off + size].reshape(shape)
        off += size
        return v
    for layer in range(layers):
        i = n_in if layer == 0 else ndir * hr
        for d in range(ndir):
            w['wx', layer, d] = take((g * h, i))
            w['wh', layer, d] = take((g * h, hr))
            if proj:
                w['wr', layer, d] = take((proj, h))
    for layer in range(layers):
        for d in range(ndir):
            w['bx', layer, d] = take((g * h,))
            w['bh', layer, d] = take((g * h,))
    assert off == p.size
    return w


def ref_rnn(x, p, h0, c0, mode, h, layers, ndir, proj=None, lengths=None, clip=None,
            drop_masks=None):
    """Returns out, h_n, c_n. ``lengths``: cuDNN semantics (steps past the length leave
    the state alone and output 0); ``clip``: (lo, hi) on the cell state; ``drop_masks``:
    per layer but the last, multiplied into its output before the next layer."""
    t_len, n, n_in = x.shape
    w = ref_unpack(p, mode, n_in, h, layers, ndir, proj)
    inp = x.astype(np.float64)
    hn, cn = [], []
    for layer in range(layers):
        outs = []
        for d in range(ndir):
            k = layer * ndir + d
            hp = h0[k].astype(np.float64)
            cp = None if c0 is None else c0[k].astype(np.float64)
            wx, wh = w['wx', layer, d], w['wh', layer, d]
            bx, bh = w['bx', layer, d], w['bh', layer, d]
            ys = np.zeros((t_len, n, hp.shape[1]))
            for t in (range(t_len) if d == 0 else range(t_len - 1, -1, -1)):
                ax = inp[t] @ wx.T + bx
                ah = hp @ wh.T + bh
                cnew = None
                if mode == 'rnn_tanh':
                    hnew = np.tanh(ax + ah)
                elif mode == 'rnn_relu':
                    hnew = np.maximum(ax + ah, 0)
                elif mode == 'gru':
                    r = _sig(ax[:, :h] + ah[:, :h])
                    z = _sig(ax[:, h:2 * h] + ah[:, h:2 * h])
                    nn = np.tanh(ax[:, 2 * h:] + r * ah[:, 2 * h:])
                    hnew = (1 - z) * nn + z * hp
                else:
                    a = ax + ah
                    i, f = _sig(a[:, :h]), _sig(a[:, h:2 * h])
                    g, o = np.tanh(a[:, 2 * h:3 * h]), _sig(a[:, 3 * h:])
                    cnew = f * cp + i * g
                    if clip is not None:
                        cnew = np.clip(cnew, clip[0], clip[1])
                    hnew = o * np.tanh(cnew)
                    if proj:
                        hnew = hnew @ w['wr', layer, d].T
                if lengths is not None:
                    valid = (t < np.asarray(lengths))[:, None]
                    hnew = np.where(valid, hnew, hp)
                    if cnew is not None:
                        cnew = np.where(valid, cnew, cp)
                    ys[t] = np.where(valid, hnew, 0)
                else:
                    ys[t] = hnew
                hp, cp = hnew, cnew
            outs.append(ys)
            hn.append(hp)
            cn.append(cp)
        inp = np.concatenate(outs, axis=2)
        if drop_masks is not None and layer < layers - 1:
            inp = inp * drop_masks[layer]
    return inp, np.stack(hn), (np.stack(cn) if c0 is not None else None)


def _close(a, b, rtol=1e-5, atol=1e-6):
    a = a.asnumpy() if hasattr(a, 'asnumpy') else np.asarray(a)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- MXNet values

@pytest.mark.parametrize('key', sorted(MX))
def test_rnn_matches_mxnet(key):
    mode, layers, ndir, proj = key.split('-')
    layers, ndir = int(layers), int(ndir)
    proj = None if proj == 'None' else int(proj)
    cases = [('rnn_relu', 1, 1, None), ('rnn_tanh', 1, 1, None), ('lstm', 1, 1, None),
             ('gru', 1, 1, None), ('rnn_tanh', 2, 2, None), ('lstm', 2, 2, None),
             ('gru', 2, 2, None), ('lstm', 1, 2, 1)]
    seed = cases.index((mode, layers, ndir, proj))
    h = 2
    x, p, h0, c0, gy, gh, gc = _mx_inputs(mode, 3, 2, 3, h, layers, ndir, proj, seed)
    is_lstm = mode == 'lstm'
    arrays = [nd.array(a) for a in ([x, p, h0, c0] if is_lstm else [x, p, h0])]
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        res = nd.RNN(*arrays, state_size=h, num_layers=layers, bidirectional=ndir == 2,
                     mode=mode, state_outputs=True, projection_size=proj)
    assert isinstance(res, list) and len(res) == (3 if is_lstm else 2)
    ref = MX[key]
    for got, want in zip(res, ref):
        assert got.dtype == np.float32
        _close(got, want)
    out_r, hn_r, cn_r = ref_rnn(x, p, h0, c0 if is_lstm else None, mode, h, layers, ndir,
                                proj)
    _close(res[0], out_r)
    _close(res[1], hn_r)
    if is_lstm:
        _close(res[2], cn_r)
    if proj is not None:
        return
    heads = [nd.array(gy), nd.array(gh)] + ([nd.array(gc)] if is_lstm else [])
    autograd.backward(res, heads)
    for a, want in zip(arrays, ref[len(res):]):
        assert a.grad.dtype == np.float32
        _close(a.grad, want, atol=3e-6)


# ----------------------------------------------------------------------------- forward

@pytest.mark.parametrize('mode', ['rnn_relu', 'rnn_tanh', 'lstm', 'gru'])
@pytest.mark.parametrize('layers,ndir', [(1, 1), (2, 1), (1, 2), (3, 2)])
def test_rnn_matches_loop_reference(mode, layers, ndir):
    rs = np.random.RandomState(11)
    t_len, n, n_in, h = 4, 3, 5, 3
    x = rs.randn(t_len, n, n_in)
    p = rs.randn(param_size(mode, n_in, h, layers, ndir)) * 0.5
    h0, c0 = rs.randn(layers * ndir, n, h), rs.randn(layers * ndir, n, h)
    is_lstm = mode == 'lstm'
    args = [nd.array(a, dtype='float64') for a in ([x, p, h0, c0] if is_lstm else [x, p, h0])]
    res = nd.RNN(*args, state_size=h, num_layers=layers, bidirectional=ndir == 2,
                 mode=mode, state_outputs=True)
    want = ref_rnn(x, p, h0, c0 if is_lstm else None, mode, h, layers, ndir)
    assert res[0].shape == (t_len, n, ndir * h) and res[0].dtype == np.float64
    for got, w in zip(res, want):
        _close(got, w, rtol=1e-10, atol=1e-12)
    # without state_outputs: one NDArray, the same output
    y = nd.RNN(*args, state_size=h, num_layers=layers, bidirectional=ndir == 2, mode=mode)
    assert isinstance(y, nd.NDArray)
    _close(y, want[0], rtol=1e-10, atol=1e-12)


def test_rnn_float32_stays_float32():
    x, p, h0, c0 = _mx_inputs('lstm', 3, 2, 3, 2, 2, 2, None, 5)[:4]
    res = nd.RNN(nd.array(x), nd.array(p), nd.array(h0), nd.array(c0), state_size=2,
                 num_layers=2, bidirectional=True, mode='lstm', state_outputs=True)
    assert [r.dtype for r in res] == [np.float32] * 3


# ----------------------------------------------------------------------------- gradients

def _grad_check(mode, layers, ndir, proj=None, lengths=None, clip=None, heads='all',
                seed=0, t_len=3, n=2, n_in=2, h=2):
    rs = np.random.RandomState(seed)
    hr = proj or h
    x = rs.randn(t_len, n, n_in)
    p = rs.randn(param_size(mode, n_in, h, layers, ndir, proj)) * 0.6
    h0, c0 = rs.randn(layers * ndir, n, hr), rs.randn(layers * ndir, n, h)
    is_lstm = mode == 'lstm'
    wy = nd.array(rs.randn(t_len, n, ndir * hr), dtype='float64')
    wh = nd.array(rs.randn(layers * ndir, n, hr), dtype='float64')
    wc = nd.array(rs.randn(layers * ndir, n, h), dtype='float64')
    kw = dict(state_size=h, num_layers=layers, bidirectional=ndir == 2, mode=mode,
              state_outputs=True, projection_size=proj)
    if lengths is not None:
        kw.update(use_sequence_length=True)
    if clip is not None:
        kw.update(lstm_state_clip_min=clip[0], lstm_state_clip_max=clip[1])

    def fn(*a):
        args = list(a)
        if lengths is not None:
            args.append(nd.array(lengths, dtype='float64'))
        if not is_lstm:
            args.insert(3, None)
        res = nd.RNN(*args, **kw)
        if heads == 'states':
            loss = (res[1] * wh).sum()
        else:
            loss = (res[0] * wy).sum() + (res[1] * wh).sum()
        if is_lstm:
            loss = loss + (res[2] * wc).sum()
        return loss
    inputs = [x, p, h0, c0] if is_lstm else [x, p, h0]
    check_numeric_gradient(fn, inputs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('mode', ['rnn_relu', 'rnn_tanh', 'lstm', 'gru'])
@pytest.mark.parametrize('layers,ndir', [(1, 1), (2, 2)])
def test_rnn_numeric_gradient(mode, layers, ndir):
    _grad_check(mode, layers, ndir, seed=layers * 10 + ndir)


@pytest.mark.parametrize('mode', ['lstm', 'gru', 'rnn_tanh'])
def test_rnn_numeric_gradient_state_outputs_only(mode):
    _grad_check(mode, 2, 1, heads='states', seed=3)


def test_rnn_projection_lstm():
    rs = np.random.RandomState(12)
    t_len, n, n_in, h, proj = 4, 2, 3, 4, 2
    x = rs.randn(t_len, n, n_in)
    p = rs.randn(param_size('lstm', n_in, h, 2, 2, proj)) * 0.5
    h0, c0 = rs.randn(4, n, proj), rs.randn(4, n, h)
    res = nd.RNN(*[nd.array(a, dtype='float64') for a in (x, p, h0, c0)], state_size=h,
                 num_layers=2, bidirectional=True, mode='lstm', projection_size=proj,
                 state_outputs=True)
    assert [r.shape for r in res] == [(t_len, n, 2 * proj), (4, n, proj), (4, n, h)]
    for got, want in zip(res, ref_rnn(x, p, h0, c0, 'lstm', h, 2, 2, proj)):
        _close(got, want, rtol=1e-10, atol=1e-12)
    _grad_check('lstm', 2, 2, proj=1, seed=4, h=3)


@pytest.mark.parametrize('mode', ['rnn_relu', 'rnn_tanh', 'lstm', 'gru'])
def test_rnn_sequence_length(mode):
    rs = np.random.RandomState(13)
    t_len, n, n_in, h = 4, 3, 2, 2
    lengths = [4, 1, 2]
    x = rs.randn(t_len, n, n_in)
    p = rs.randn(param_size(mode, n_in, h, 2, 2)) * 0.5
    h0, c0 = rs.randn(4, n, h), rs.randn(4, n, h)
    is_lstm = mode == 'lstm'
    res = nd.RNN(nd.array(x, dtype='float64'), nd.array(p, dtype='float64'),
                 nd.array(h0, dtype='float64'),
                 nd.array(c0, dtype='float64') if is_lstm else None,
                 nd.array(lengths), state_size=h, num_layers=2, bidirectional=True,
                 mode=mode, state_outputs=True, use_sequence_length=True)
    want = ref_rnn(x, p, h0, c0 if is_lstm else None, mode, h, 2, 2, lengths=lengths)
    for got, w in zip(res, want):
        _close(got, w, rtol=1e-10, atol=1e-12)
    assert np.all(res[0].asnumpy()[2:, 1] == 0) and np.all(res[0].asnumpy()[3:, 2] == 0)
    _grad_check(mode, 2, 2, lengths=[3, 1], seed=5)


def test_rnn_lstm_state_clip():
    rs = np.random.RandomState(14)
    t_len, n, n_in, h = 5, 2, 2, 3
    x = rs.randn(t_len, n, n_in) * 2
    p = rs.randn(param_size('lstm', n_in, h, 1, 1)) * 1.5
    h0, c0 = rs.randn(1, n, h), rs.randn(1, n, h) * 2
    res = nd.RNN(*[nd.array(a, dtype='float64') for a in (x, p, h0, c0)], state_size=h,
                 num_layers=1, mode='lstm', state_outputs=True, lstm_state_clip_min=-0.7,
                 lstm_state_clip_max=0.6)
    want = ref_rnn(x, p, h0, c0, 'lstm', h, 1, 1, clip=(-0.7, 0.6))
    for got, w in zip(res, want):
        _close(got, w, rtol=1e-10, atol=1e-12)
    assert res[2].asnumpy().max() <= 0.6 and res[2].asnumpy().min() >= -0.7
    _grad_check('lstm', 1, 2, clip=(-0.8, 0.9), seed=6)


def test_rnn_lstm_state_clip_nan():
    p = np.zeros(param_size('lstm', 1, 1, 1, 1), np.float32)
    x = nd.array(np.full((2, 1, 1), np.nan, np.float32))
    args = (x, nd.array(p), nd.zeros((1, 1, 1)), nd.zeros((1, 1, 1)))
    kw = dict(state_size=1, num_layers=1, mode='lstm', state_outputs=True,
              lstm_state_clip_min=-0.5, lstm_state_clip_max=0.5)
    assert np.isnan(nd.RNN(*args, **kw)[2].asnumpy()).all()
    assert nd.RNN(*args, lstm_state_clip_nan=True, **kw)[2].asnumpy().ravel()[0] == -0.5


def test_rnn_dropout_between_layers(monkeypatch):
    rs = np.random.RandomState(15)
    t_len, n, n_in, h, layers = 3, 2, 2, 3, 3
    x = rs.randn(t_len, n, n_in)
    p = rs.randn(param_size('gru', n_in, h, layers, 2)) * 0.5
    h0 = rs.randn(layers * 2, n, h)
    args = [nd.array(a, dtype='float64') for a in (x, p, h0)]
    kw = dict(state_size=h, num_layers=layers, bidirectional=True, mode='gru', p=0.4)
    masks = [(rs.rand(t_len, n, 2 * h) >= 0.4) / 0.6 for _ in range(layers - 1)]
    calls = []

    def fake_mask(xp, ctx, shape, p, dt):
        calls.append((shape, p))
        return masks[len(calls) - 1].astype(dt)
    monkeypatch.setattr(rnn_op, '_dropout_mask', fake_mask)
    y = nd.RNN(*args, **kw)             # predict mode: no dropout
    assert calls == []
    _close(y, ref_rnn(x, p, h0, None, 'gru', h, layers, 2)[0], rtol=1e-10, atol=1e-12)
    with autograd.train_mode():
        y = nd.RNN(*args, **kw)
    assert calls == [((t_len, n, 2 * h), 0.4)] * 2
    _close(y, ref_rnn(x, p, h0, None, 'gru', h, layers, 2, drop_masks=masks)[0],
           rtol=1e-10, atol=1e-12)
    w = nd.array(rs.randn(t_len, n, 2 * h), dtype='float64')

    def fn(x, p, h0):
        calls.clear()
        with autograd.train_mode():
            return (nd.RNN(x, p, h0, **kw) * w).sum()
    check_numeric_gradient(fn, [x, p, h0], rtol=1e-5, atol=1e-7)


def test_rnn_dropout_real_masks_drop_and_scale():
    rs = np.random.RandomState(16)
    t_len, n, h = 2, 50, 20
    p = rs.randn(param_size('rnn_relu', 1, h, 2, 1)) * 0.5
    args = (nd.ones((t_len, n, 1)), nd.array(p), nd.zeros((2, n, h)))
    kw = dict(state_size=h, num_layers=2, mode='rnn_relu', p=0.5)
    with autograd.train_mode():
        a = nd.RNN(*args, **kw).asnumpy()
        b = nd.RNN(*args, **kw).asnumpy()
    assert not np.allclose(a, b)        # fresh masks on every call
    mask = rnn_op._dropout_mask(np, args[0].context, (1000, 100), 0.3, np.dtype('float32'))
    assert mask.dtype == np.float32
    kept = mask != 0
    assert 0.66 < kept.mean() < 0.74
    assert np.allclose(mask[kept], 1 / 0.7)


def test_rnn_gradients_without_data_grad():
    """Parameters and states get the same gradients whether or not data needs one."""
    x, p, h0, c0, gy, _, _ = _mx_inputs('lstm', 3, 2, 3, 2, 2, 2, None, 5)
    grads = []
    for data_grad in (True, False):
        arrays = [nd.array(a) for a in (x, p, h0, c0)]
        for a in arrays[int(not data_grad):]:
            a.attach_grad()
        with autograd.record():
            y = nd.RNN(*arrays, state_size=2, num_layers=2, bidirectional=True, mode='lstm')
        y.backward(nd.array(gy))
        grads.append([a.grad.asnumpy() for a in arrays[1:]])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_rnn_live_graphs_keep_their_work_arrays():
    """Work arrays are recycled through a pool: two live graphs, a retained graph and an
    unrecorded call in between must not share (or lose) the arrays their backward reads."""
    x1, p, h0, c0, gy, _, _ = _mx_inputs('lstm', 3, 2, 3, 2, 2, 2, None, 5)
    x2 = x1[::-1].copy() * 0.5
    kw = dict(state_size=2, num_layers=2, bidirectional=True, mode='lstm')

    def grads_alone(xv):
        a = [nd.array(v) for v in (xv, p, h0, c0)]
        for v in a:
            v.attach_grad()
        with autograd.record():
            y = nd.RNN(*a, **kw)
        y.backward(nd.array(gy))
        return [v.grad.asnumpy() for v in a]

    want1, want2 = grads_alone(x1), grads_alone(x2)
    a1 = [nd.array(v) for v in (x1, p, h0, c0)]
    a2 = [nd.array(v) for v in (x2, p, h0, c0)]
    for v in a1 + a2:
        v.attach_grad()
    with autograd.record():
        y1 = nd.RNN(*a1, **kw)
        y2 = nd.RNN(*a2, **kw)
    nd.RNN(*[nd.array(v) for v in (x2, p, h0, c0)], **kw)     # unrecorded, same shapes
    y1.backward(nd.array(gy), retain_graph=True)
    first = [v.grad.asnumpy() for v in a1]
    nd.RNN(*[nd.array(v) for v in (x1, p, h0, c0)], **kw)
    y1.backward(nd.array(gy))
    for a, b, w in zip(first, a1, want1):
        np.testing.assert_array_equal(a, b.grad.asnumpy())
        np.testing.assert_allclose(a, w, rtol=1e-6, atol=1e-7)
    y2.backward(nd.array(gy))
    for b, w in zip(a2, want2):
        np.testing.assert_allclose(b.grad.asnumpy(), w, rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------- errors

def _lstm_args(n_params=None, state_shape=(2, 2, 3), cell_shape=(2, 2, 3)):
    size = param_size('lstm', 4, 3, 2, 1) if n_params is None else n_params
    return (nd.ones((5, 2, 4)), nd.ones((size,)), nd.zeros(state_shape),
            nd.zeros(cell_shape))


def test_rnn_wrong_parameter_size_says_expected_size():
    expected = param_size('lstm', 4, 3, 2, 1)
    with pytest.raises(DistGluError, match=r'parameters must be a vector of %d elements.*'
                                           r'got shape \(%d,\)' % (expected, expected + 1)):
        nd.RNN(*_lstm_args(expected + 1), state_size=3, num_layers=2, mode='lstm')


def test_rnn_wrong_state_shapes():
    with pytest.raises(DistGluError, match=r'state must have shape \(2, 2, 3\).*got '
                                           r'\(1, 2, 3\)'):
        nd.RNN(*_lstm_args(state_shape=(1, 2, 3)), state_size=3, num_layers=2, mode='lstm')
    with pytest.raises(DistGluError, match=r'state_cell must have shape \(2, 2, 3\).*got '
                                           r'\(2, 2, 4\)'):
        nd.RNN(*_lstm_args(cell_shape=(2, 2, 4)), state_size=3, num_layers=2, mode='lstm')
    x, p, s, _ = _lstm_args()
    with pytest.raises(DistGluError, match='needs state_cell'):
        nd.RNN(x, p, s, state_size=3, num_layers=2, mode='lstm')
    gp = nd.ones((param_size('gru', 4, 3, 2, 1),))
    with pytest.raises(DistGluError, match="state_cell is only used by mode='lstm'"):
        nd.RNN(x, gp, s, s, state_size=3, num_layers=2, mode='gru')


def test_rnn_other_errors():
    x, p, s, c = _lstm_args()
    kw = dict(state_size=3, num_layers=2)
    with pytest.raises(DistGluError, match='mode must be one of'):
        nd.RNN(x, p, s, c, mode='lstmx', **kw)
    with pytest.raises(DistGluError, match='data must be 3-D'):
        nd.RNN(nd.ones((5, 4)), p, s, c, mode='lstm', **kw)
    with pytest.raises(DistGluError, match='use_sequence_length=True needs sequence_length'):
        nd.RNN(x, p, s, c, mode='lstm', use_sequence_length=True, **kw)
    with pytest.raises(DistGluError, match=r'sequence_length must have shape \(2,\)'):
        nd.RNN(x, p, s, c, nd.array([1, 2, 3]), mode='lstm', use_sequence_length=True, **kw)
    with pytest.raises(DistGluError, match=r'sequence_length values must lie in \[0, 5\]'):
        nd.RNN(x, p, s, c, nd.array([1, 6]), mode='lstm', use_sequence_length=True, **kw)
    with pytest.raises(DistGluError, match='projection_size is only supported'):
        nd.RNN(x, p, s, mode='gru', projection_size=2, **kw)
    with pytest.raises(DistGluError, match='parameters must have the dtype of data'):
        nd.RNN(x, p.astype('float64'), s, c, mode='lstm', **kw)


def test_rnn_unpacked_parameters_equal_flat_and_check_each_array():
    """The Gluon layers' entry point takes one array per matrix and bias (in the flat
    vector's order): same outputs as the flat vector, and a clear error per array."""
    x, p, s, c = _lstm_args()
    p = nd.array(np.random.default_rng(3).uniform(-0.5, 0.5, p.shape).astype(np.float32))
    kw = dict(state_size=3, num_layers=2, mode='lstm', state_outputs=True)
    specs = rnn_op._param_specs('lstm', x.shape[2], 3, 2, 1, None)
    pieces, off = [], 0
    for *_, shape in specs:
        n = int(np.prod(shape))
        pieces.append(p[off:off + n].reshape(shape))
        off += n
    assert off == p.shape[0]
    ref = nd.RNN(x, p, s, c, **kw)
    got = rnn_op._rnn_unpacked(x, pieces, s, c, **kw)
    for a, b in zip(ref, got):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    with pytest.raises(DistGluError, match='expected %d parameter arrays' % len(specs)):
        rnn_op._rnn_unpacked(x, pieces[:-1], s, c, **kw)
    bad = list(pieces)
    bad[1] = bad[1][:, :2]
    with pytest.raises(DistGluError, match=r'parameter wh of layer 0, direction 0: '
                                           r'expected shape \(12, 3\)'):
        rnn_op._rnn_unpacked(x, bad, s, c, **kw)
    bad[1] = 'w'
    with pytest.raises(DistGluError, match='expected an NDArray, got str'):
        rnn_op._rnn_unpacked(x, bad, s, c, **kw)


def test_rnn_second_order_is_a_clear_error():
    x, p, s, c = _lstm_args()
    x.attach_grad()
    with autograd.record():
        y = nd.RNN(x, p, s, c, state_size=3, num_layers=2, mode='lstm').sum()
    with pytest.raises(DistGluError, match='RNN: second-order gradients'):
        autograd.grad([y], [x], create_graph=True)


# ----------------------------------------------------------------------------- GPU

@pytest.mark.skipif(distglu.num_gpus() == 0, reason='needs CuPy and a CUDA GPU')
@pytest.mark.parametrize('mode', ['rnn_relu', 'rnn_tanh', 'lstm', 'gru'])
def test_rnn_on_gpu_matches_cpu(mode):
    rs = np.random.RandomState(17)
    t_len, n, n_in, h = 5, 3, 4, 6
    x = rs.randn(t_len, n, n_in).astype(np.float32)
    p = (rs.randn(param_size(mode, n_in, h, 2, 2)) * 0.4).astype(np.float32)
    h0 = rs.randn(4, n, h).astype(np.float32)
    c0 = rs.randn(4, n, h).astype(np.float32)
    gy = rs.randn(t_len, n, 2 * h).astype(np.float32)
    results = []
    for ctx in (distglu.cpu(), distglu.gpu(0)):
        arrays = [nd.array(a, ctx=ctx) for a in ([x, p, h0, c0] if mode == 'lstm'
                                                 else [x, p, h0])]
        for a in arrays:
            a.attach_grad()
        lengths = nd.array([5, 2, 4], ctx=ctx)
        with autograd.record():
            args = arrays + ([] if mode == 'lstm' else [None]) + [lengths]
            y = nd.RNN(*args, state_size=h, num_layers=2, bidirectional=True, mode=mode,
                       use_sequence_length=True)
        y.backward(nd.array(gy, ctx=ctx))
        results.append([y.asnumpy()] + [a.grad.asnumpy() for a in arrays])
    for c, g in zip(*results):
        np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)
